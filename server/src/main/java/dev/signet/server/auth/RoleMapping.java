package dev.signet.server.auth;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which organization (O) in a Signet API credential confers which role. The mapping is data from
 * the configuration, so a deployment chooses its own organization names; a credential whose
 * organizations map to more than one role gets none rather than the strongest.
 */
public final class RoleMapping {
  /**
   * The organizations Signet writes into the credentials it issues, unless configured otherwise.
   */
  public static final RoleMapping DEFAULT =
      new RoleMapping(
          Map.of(
              "signet:ca-admin", Role.CA_ADMIN,
              "signet:provisioner", Role.PROVISIONER,
              "signet:node", Role.NODE,
              "signet:auditor", Role.AUDITOR,
              "signet:csr-signer", Role.CSR_SIGNER));

  private final Map<String, Role> byOrganization;

  public RoleMapping(Map<String, Role> byOrganization) {
    this.byOrganization = Map.copyOf(byOrganization);
  }

  public Optional<Role> roleOf(List<String> organizations) {
    List<Role> roles =
        organizations.stream().map(byOrganization::get).filter(r -> r != null).distinct().toList();
    return roles.size() == 1 ? Optional.of(roles.get(0)) : Optional.empty();
  }

  /** The mapping itself, organization to role. */
  public Map<String, Role> asMap() {
    return byOrganization;
  }

  /** The organization that confers {@code role}, for issuing credentials. */
  public String organizationFor(Role role) {
    return byOrganization.entrySet().stream()
        .filter(e -> e.getValue() == role)
        .map(Map.Entry::getKey)
        .sorted()
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no organization maps to role " + role.id()));
  }
}
