package dev.signet.server.auth;

import java.util.Locale;

/**
 * What a caller of Signet's API may do. A credential carries its role in its organization (O),
 * which {@link RoleMapping} turns into one of these.
 */
public enum Role {
  /** CA lifecycle, revocation, Signet API credentials, and everything below. */
  CA_ADMIN,
  /** Control-plane and node certificates and bootstrap tokens, within configured constraints. */
  PROVISIONER,
  /** One node ({@code system:node:<name>}): its own kubelet certificates, for its addresses. */
  NODE,
  /** Read-only: issued-certificate listings and the audit trail. */
  AUDITOR,
  /**
   * signet-csr-signer: kubelet client and serving certificates for the Kubernetes CSR API, of any
   * node, serving ones only for the addresses Signet registered for the node when it knows it.
   * Nothing else: no bootstrap token, no other profile, no revocation.
   */
  CSR_SIGNER;

  /** The name used in configuration and messages: {@code ca-admin}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Role fromId(String id) {
    for (Role role : values()) {
      if (role.id().equals(id)) {
        return role;
      }
    }
    throw new IllegalArgumentException(
        "unknown role '" + id + "'; roles are ca-admin, provisioner, node, auditor and csr-signer");
  }
}
