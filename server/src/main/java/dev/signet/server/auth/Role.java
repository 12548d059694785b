package dev.signet.server.auth;

import java.util.Locale;

/** What a caller of Signet's API may do; carried in its credential, mapped by configuration. */
public enum Role {
  /** CA lifecycle, revocation, Signet API credentials, and every issuance. */
  CA_ADMIN;

  /** The name used in configuration and messages: {@code ca-admin}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
