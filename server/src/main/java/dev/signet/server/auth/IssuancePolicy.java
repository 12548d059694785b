package dev.signet.server.auth;

import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.Nodes;
import dev.signet.server.profile.CertificateContent;
import dev.signet.server.profile.Names;
import dev.signet.server.profile.Profile;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may ask for which certificate, judged on the certificate's content as the profile built it
 * from the typed request (node name, the names and addresses the request brought in), never on DN
 * strings. The method table has already let the caller's role call the RPC; this is the second
 * gate, per request:
 *
 * <ul>
 *   <li>ca-admin: anything;
 *   <li>provisioner: only with an entry in {@code authorization.provisioners}: the profiles it
 *       grants, for node names, addresses and DNS names inside its constraints (see {@link
 *       ProvisionerGrant}); without an entry, nothing;
 *   <li>node: its own kubelet client and serving certificates only, the latter for addresses
 *       registered for it;
 *   <li>csr-signer: kubelet client and serving certificates of any node, the latter only for the
 *       node's registered addresses when Signet knows the node;
 *   <li>auditor and callers without a role: nothing;
 *   <li>every caller with a role: its own Signet API credential again (renewal);
 *   <li>a node spending a bootstrap token: its node credential and kubelet certificates, for the
 *       token's node and addresses.
 * </ul>
 */
public final class IssuancePolicy {
  /** Why a request is refused: a stable rule code and a message that names the rule. */
  public record Denial(String rule, String message) {}

  private final Map<String, ProvisionerGrant> provisioners;
  private final Nodes nodes;

  public IssuancePolicy(Map<String, ProvisionerGrant> provisioners, Nodes nodes) {
    this.provisioners = Map.copyOf(provisioners);
    this.nodes = nodes;
  }

  /** The provisioners whose entry says {@code unconstrained: true}, sorted, for start-up. */
  public List<String> unconstrainedProvisioners() {
    return provisioners.entrySet().stream()
        .filter(entry -> entry.getValue().unconstrained())
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  /** Empty when {@code caller} may have a certificate with this content. */
  public Optional<Denial> check(Caller caller, CertificateContent content) throws LedgerException {
    if (caller.grant().isPresent()) {
      return joining(caller.grant().get(), content);
    }
    if (caller.role().isEmpty()) {
      return deny("NO_ROLE", caller.name() + " carries no Signet role");
    }
    if (renewsItsOwnCredential(caller, content)) {
      return Optional.empty();
    }
    return switch (caller.role().get()) {
      case CA_ADMIN -> Optional.empty();
      case PROVISIONER -> provisioner(caller, content);
      case NODE -> node(caller, content);
      case AUDITOR ->
          deny("ROLE_NOT_ALLOWED", "auditor " + caller.name() + " may not request certificates");
      case CSR_SIGNER -> csrSigner(caller, content);
    };
  }

  /** A caller may always have its own credential again: same name, same organization. */
  private static boolean renewsItsOwnCredential(Caller caller, CertificateContent content) {
    return content.profile() == Profile.SIGNET_API_CLIENT
        && content.commonName().equals(caller.name())
        && caller.organizations().containsAll(content.organizations());
  }

  /**
   * Empty when {@code caller} may create a bootstrap token for this node and addresses: a token
   * gets the node its kubelet client and serving certificates, so a provisioner needs both granted
   * and the node and addresses inside its constraints.
   */
  public Optional<Denial> checkBootstrapToken(
      Caller caller, String nodeName, List<String> addresses) {
    if (caller.has(Role.CA_ADMIN)) {
      return Optional.empty();
    }
    if (!caller.has(Role.PROVISIONER)) {
      return deny("ROLE_NOT_ALLOWED", caller + " may not create bootstrap tokens");
    }
    Optional<ProvisionerGrant> grant = grantOf(caller);
    if (grant.isEmpty()) {
      return noEntry(caller);
    }
    for (Profile profile : List.of(Profile.KUBELET_CLIENT, Profile.KUBELET_SERVING)) {
      Optional<String> problem = grant.get().profileProblem(profile);
      if (problem.isPresent()) {
        return deny(
            "PROFILE_NOT_GRANTED",
            "provisioner "
                + caller.name()
                + " may not create bootstrap tokens, which get a node its "
                + profile.id()
                + " certificate: "
                + problem.get());
      }
    }
    return withinConstraints(caller, grant.get(), nodeName, addresses);
  }

  private Optional<Denial> provisioner(Caller caller, CertificateContent content) {
    Optional<ProvisionerGrant> grant = grantOf(caller);
    if (grant.isEmpty()) {
      return noEntry(caller);
    }
    Optional<String> profileProblem = grant.get().profileProblem(content.profile());
    if (profileProblem.isPresent()) {
      return deny(
          "PROFILE_NOT_GRANTED",
          "provisioner "
              + caller.name()
              + " may not request "
              + content.profile().id()
              + " certificates: "
              + profileProblem.get());
    }
    return withinConstraints(caller, grant.get(), content.nodeName(), content.requestedNames());
  }

  private Optional<ProvisionerGrant> grantOf(Caller caller) {
    return Optional.ofNullable(provisioners.get(caller.name()));
  }

  private static Optional<Denial> noEntry(Caller caller) {
    return deny(
        "NO_PROVISIONER_ENTRY",
        "provisioner "
            + caller.name()
            + " has no entry in authorization.provisioners, so it may request nothing; a"
            + " ca-admin grants it profiles and constraints there");
  }

  private static Optional<Denial> withinConstraints(
      Caller caller, ProvisionerGrant grant, String nodeName, List<String> names) {
    Optional<String> problem =
        nodeName.isEmpty() ? Optional.empty() : grant.nodeNameProblem(nodeName);
    for (String name : names) {
      if (problem.isPresent()) {
        break;
      }
      problem = grant.nameProblem(name);
    }
    return problem.flatMap(
        why ->
            deny(
                "OUTSIDE_CONSTRAINTS",
                "provisioner " + caller.name() + " may not request this: " + why));
  }

  private Optional<Denial> node(Caller caller, CertificateContent content) throws LedgerException {
    Optional<String> own = caller.nodeName();
    if (own.isEmpty()) {
      return deny(
          "NOT_A_NODE", caller.name() + " has the node role but is not named system:node:<name>");
    }
    Profile profile = content.profile();
    if (profile != Profile.KUBELET_CLIENT && profile != Profile.KUBELET_SERVING) {
      return deny(
          "PROFILE_NOT_ALLOWED",
          "node "
              + own.get()
              + " may request only its own kubelet client and serving certificates, not "
              + profile.id());
    }
    if (!content.nodeName().equals(own.get())) {
      return deny(
          "OTHER_NODE",
          "node " + own.get() + " may not request certificates for " + content.nodeName());
    }
    if (profile == Profile.KUBELET_SERVING) {
      List<String> registered = nodes.find(own.get()).map(Nodes.Node::addresses).orElse(List.of());
      for (String address : content.requestedNames()) {
        if (!Names.isAmong(address, registered)) {
          return deny(
              "ADDRESS_NOT_REGISTERED",
              "node "
                  + own.get()
                  + " may not request a certificate for "
                  + address
                  + "; its registered addresses are "
                  + registered);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The Kubernetes CSR signer: kubelet certificates of any node (the cluster approved the CSR), and
   * a serving certificate only for addresses Signet registered for the node, when it knows it.
   */
  private Optional<Denial> csrSigner(Caller caller, CertificateContent content)
      throws LedgerException {
    Profile profile = content.profile();
    if (profile != Profile.KUBELET_CLIENT && profile != Profile.KUBELET_SERVING) {
      return deny(
          "PROFILE_NOT_ALLOWED",
          "csr-signer "
              + caller.name()
              + " may request only kubelet client and serving certificates, not "
              + profile.id());
    }
    if (profile == Profile.KUBELET_SERVING) {
      Optional<Nodes.Node> known = nodes.find(content.nodeName());
      if (known.isPresent()) {
        for (String address : content.requestedNames()) {
          if (!Names.isAmong(address, known.get().addresses())) {
            return deny(
                "ADDRESS_NOT_REGISTERED",
                "node "
                    + content.nodeName()
                    + " is registered with Signet for "
                    + known.get().addresses()
                    + ", not "
                    + address);
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * A node spending a bootstrap token: its node credential, and its kubelet certificates for the
   * token's node name and addresses.
   */
  private static Optional<Denial> joining(Caller.TokenGrant grant, CertificateContent content) {
    String node = grant.nodeName();
    boolean allowed =
        switch (content.profile()) {
          case SIGNET_API_CLIENT -> content.commonName().equals(Caller.NODE_PREFIX + node);
          case KUBELET_CLIENT -> content.nodeName().equals(node);
          case KUBELET_SERVING ->
              content.nodeName().equals(node)
                  && content.requestedNames().stream()
                      .allMatch(name -> Names.isAmong(name, grant.addresses()));
          default -> false;
        };
    return allowed
        ? Optional.empty()
        : deny(
            "TOKEN_SCOPE",
            "bootstrap token "
                + grant.tokenId()
                + " admits node "
                + node
                + " and its addresses only");
  }

  private static Optional<Denial> deny(String rule, String message) {
    return Optional.of(new Denial(rule, message));
  }
}
