package dev.signet.server.auth;

import java.util.List;
import java.util.Optional;

/**
 * An authenticated caller: derived once from its Signet API client certificate, or, for a new node,
 * from the bootstrap token it spent. Decisions use these decoded values, never DN strings.
 *
 * @param name the certificate's CN (or {@code bootstrap-token:<id>}), recorded in the ledger
 * @param organizations the certificate's O values, from which the role is mapped
 * @param role the role the mapping gave, if any
 * @param serial the credential's serial (hex), for audit and revocation; empty for a token
 * @param grant what a spent bootstrap token allows, for a joining node
 */
public record Caller(
    String name,
    List<String> organizations,
    Optional<Role> role,
    String serial,
    Optional<TokenGrant> grant) {

  /** The prefix of a node's identity, as in Kubernetes: {@code system:node:<node name>}. */
  public static final String NODE_PREFIX = "system:node:";

  /**
   * What a spent bootstrap token lets its holder obtain: the node credential of {@code nodeName}
   * and that node's kubelet certificates for {@code addresses}.
   */
  public record TokenGrant(String tokenId, String nodeName, List<String> addresses) {
    public TokenGrant {
      addresses = List.copyOf(addresses);
    }
  }

  public Caller {
    organizations = List.copyOf(organizations);
  }

  /** A caller authenticated by a Signet API client certificate. */
  public static Caller withCredential(
      String name, List<String> organizations, Optional<Role> role, String serial) {
    return new Caller(name, organizations, role, serial, Optional.empty());
  }

  /**
   * signetd acting on its own behalf (init issuing the daemon's and the first operator's
   * credentials).
   */
  public static Caller internal(String name) {
    return new Caller(name, List.of(), Optional.of(Role.CA_ADMIN), "", Optional.empty());
  }

  /** A new node that spent a bootstrap token. */
  public static Caller joining(TokenGrant grant) {
    return new Caller(
        "bootstrap-token:" + grant.tokenId(), List.of(), Optional.empty(), "", Optional.of(grant));
  }

  public boolean has(Role wanted) {
    return role.filter(wanted::equals).isPresent();
  }

  /** For a caller with the node role, the node it is. */
  public Optional<String> nodeName() {
    return has(Role.NODE) && name.startsWith(NODE_PREFIX)
        ? Optional.of(name.substring(NODE_PREFIX.length()))
        : Optional.empty();
  }

  @Override
  public String toString() {
    return name + role.map(r -> " (" + r.id() + ")").orElse(grant.isPresent() ? "" : " (no role)");
  }
}
