package dev.signet.server.auth;

import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.Nodes;
import dev.signet.server.profile.Names;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may ask for which certificate, judged on the typed request (node names, addresses, names) and
 * never on DN strings. The method table has already let the caller's role call the RPC; this is the
 * second gate, per request:
 *
 * <ul>
 *   <li>ca-admin: anything;
 *   <li>provisioner: control-plane and node certificates (not super-admin, the break-glass
 *       system:masters credential), for node names, addresses and DNS names inside its configured
 *       constraints;
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

  private final Map<String, ProvisionerConstraints> provisioners;
  private final Nodes nodes;

  public IssuancePolicy(Map<String, ProvisionerConstraints> provisioners, Nodes nodes) {
    this.provisioners = Map.copyOf(provisioners);
    this.nodes = nodes;
  }

  /** Empty when {@code caller} may have a {@code profile} certificate with these parameters. */
  public Optional<Denial> check(Caller caller, Profile profile, ProfileParameters parameters)
      throws LedgerException {
    if (caller.grant().isPresent()) {
      return joining(caller.grant().get(), profile, parameters);
    }
    if (caller.role().isEmpty()) {
      return deny("NO_ROLE", caller.name() + " carries no Signet role");
    }
    if (renewsItsOwnCredential(caller, profile, parameters)) {
      return Optional.empty();
    }
    return switch (caller.role().get()) {
      case CA_ADMIN -> Optional.empty();
      case PROVISIONER -> provisioner(caller, profile, parameters);
      case NODE -> node(caller, profile, parameters);
      case AUDITOR ->
          deny("ROLE_NOT_ALLOWED", "auditor " + caller.name() + " may not request certificates");
      case CSR_SIGNER -> csrSigner(caller, profile, parameters);
    };
  }

  /** A caller may always have its own credential again: same name, same organization. */
  private static boolean renewsItsOwnCredential(
      Caller caller, Profile profile, ProfileParameters parameters) {
    return profile == Profile.SIGNET_API_CLIENT
        && parameters instanceof ProfileParameters.SignetClient credential
        && credential.identity().equals(caller.name())
        && caller.organizations().contains(credential.organization());
  }

  /** Empty when {@code caller} may create a bootstrap token for this node and addresses. */
  public Optional<Denial> checkBootstrapToken(
      Caller caller, String nodeName, List<String> addresses) {
    if (caller.has(Role.CA_ADMIN)) {
      return Optional.empty();
    }
    if (!caller.has(Role.PROVISIONER)) {
      return deny("ROLE_NOT_ALLOWED", caller + " may not create bootstrap tokens");
    }
    return withinConstraints(caller, nodeName, addresses);
  }

  private Optional<Denial> provisioner(
      Caller caller, Profile profile, ProfileParameters parameters) {
    if (profile == Profile.SUPER_ADMIN) {
      return deny(
          "PROFILE_NOT_ALLOWED",
          "provisioner "
              + caller.name()
              + " may not request super-admin (system:masters) certificates;"
              + " only a ca-admin may");
    }
    return withinConstraints(caller, parameters.nodeName(), parameters.chosenNames());
  }

  private Optional<Denial> withinConstraints(Caller caller, String nodeName, List<String> names) {
    ProvisionerConstraints constraints =
        provisioners.getOrDefault(caller.name(), ProvisionerConstraints.NONE);
    Optional<String> problem =
        nodeName.isEmpty() ? Optional.empty() : constraints.nodeNameProblem(nodeName);
    for (String name : names) {
      if (problem.isPresent()) {
        break;
      }
      problem = constraints.nameProblem(name);
    }
    return problem.flatMap(
        why ->
            deny(
                "OUTSIDE_CONSTRAINTS",
                "provisioner " + caller.name() + " may not request this: " + why));
  }

  private Optional<Denial> node(Caller caller, Profile profile, ProfileParameters parameters)
      throws LedgerException {
    Optional<String> own = caller.nodeName();
    if (own.isEmpty()) {
      return deny(
          "NOT_A_NODE", caller.name() + " has the node role but is not named system:node:<name>");
    }
    if (profile != Profile.KUBELET_CLIENT && profile != Profile.KUBELET_SERVING) {
      return deny(
          "PROFILE_NOT_ALLOWED",
          "node "
              + own.get()
              + " may request only its own kubelet client and serving certificates, not "
              + profile.id());
    }
    if (!parameters.nodeName().equals(own.get())) {
      return deny(
          "OTHER_NODE",
          "node " + own.get() + " may not request certificates for " + parameters.nodeName());
    }
    if (profile == Profile.KUBELET_SERVING) {
      List<String> registered = nodes.find(own.get()).map(Nodes.Node::addresses).orElse(List.of());
      for (String address : parameters.chosenNames()) {
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
  private Optional<Denial> csrSigner(Caller caller, Profile profile, ProfileParameters parameters)
      throws LedgerException {
    if (profile != Profile.KUBELET_CLIENT && profile != Profile.KUBELET_SERVING) {
      return deny(
          "PROFILE_NOT_ALLOWED",
          "csr-signer "
              + caller.name()
              + " may request only kubelet client and serving certificates, not "
              + profile.id());
    }
    if (profile == Profile.KUBELET_SERVING) {
      Optional<Nodes.Node> known = nodes.find(parameters.nodeName());
      if (known.isPresent()) {
        for (String address : parameters.chosenNames()) {
          if (!Names.isAmong(address, known.get().addresses())) {
            return deny(
                "ADDRESS_NOT_REGISTERED",
                "node "
                    + parameters.nodeName()
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
  private static Optional<Denial> joining(
      Caller.TokenGrant grant, Profile profile, ProfileParameters parameters) {
    String node = grant.nodeName();
    boolean allowed =
        switch (profile) {
          case SIGNET_API_CLIENT ->
              parameters instanceof ProfileParameters.SignetClient credential
                  && credential.identity().equals(Caller.NODE_PREFIX + node);
          case KUBELET_CLIENT -> parameters.nodeName().equals(node);
          case KUBELET_SERVING ->
              parameters.nodeName().equals(node)
                  && parameters.chosenNames().stream()
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
