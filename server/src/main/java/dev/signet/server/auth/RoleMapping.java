package dev.signet.server.auth;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which organization (O) in a Signet API credential confers which role. The mapping is data, so
 * a deployment can choose its own organization names; a credential with several mapped
 * organizations is refused a role rather than given the strongest one.
 */
public final class RoleMapping {
  /** The organizations {@code signetd init} writes into the credentials it issues. */
  public static final RoleMapping DEFAULT = new RoleMapping(Map.of("signet:ca-admin", Role.CA_ADMIN));

  private final Map<String, Role> byOrganization;

  public RoleMapping(Map<String, Role> byOrganization) {
    this.byOrganization = Map.copyOf(byOrganization);
  }

  public Optional<Role> roleOf(List<String> organizations) {
    List<Role> roles =
        organizations.stream().map(byOrganization::get).filter(r -> r != null).distinct().toList();
    return roles.size() == 1 ? Optional.of(roles.get(0)) : Optional.empty();
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
