package dev.signet.server.auth;

import java.util.List;
import java.util.Optional;

/**
 * An authenticated caller of Signet's API, derived once from its client certificate (issued by
 * the signet-api CA). Decisions use these decoded values, never DN strings.
 *
 * @param name the certificate's CN, recorded in the ledger as the caller
 * @param organizations the certificate's O values, from which the role is mapped
 * @param role the role the mapping gave, if any
 * @param serial the credential's serial (hex), for audit and revocation
 */
public record Caller(String name, List<String> organizations, Optional<Role> role, String serial) {
  public Caller {
    organizations = List.copyOf(organizations);
  }

  public boolean has(Role wanted) {
    return role.filter(wanted::equals).isPresent();
  }

  @Override
  public String toString() {
    return name + role.map(r -> " (" + r.id() + ")").orElse(" (no role)");
  }
}
