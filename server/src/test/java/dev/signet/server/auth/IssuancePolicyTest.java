package dev.signet.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.ledger.Nodes;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The per-request rules, role by role, with an in-memory node registry. */
class IssuancePolicyTest {
  private static final Nodes REGISTRY =
      new Nodes() {
        @Override
        public Optional<Node> find(String name) {
          return name.equals("worker-1")
              ? Optional.of(
                  new Node(
                      "worker-1",
                      List.of("worker-1.example.test", "192.0.2.11", "2001:db8::11"),
                      "op",
                      Instant.EPOCH))
              : Optional.empty();
        }

        @Override
        public void register(Node node) {
          throw new UnsupportedOperationException();
        }
      };

  private final IssuancePolicy policy =
      new IssuancePolicy(
          Map.of(
              "edge",
              new ProvisionerConstraints(
                  List.of("edge-*", "gw-?"),
                  List.of("10.1.0.0/16", "fd00::/64"),
                  List.of(".edge.test"))),
          REGISTRY);

  private static Caller caller(String name, Role role) {
    return Caller.withCredential(name, List.of(), Optional.of(role), "01");
  }

  private Optional<String> rule(Caller caller, Profile profile, ProfileParameters parameters)
      throws Exception {
    return policy.check(caller, profile, parameters).map(IssuancePolicy.Denial::rule);
  }

  @Test
  void aCaAdminMayAskForAnything() throws Exception {
    assertEquals(
        Optional.empty(),
        rule(caller("root", Role.CA_ADMIN), Profile.SUPER_ADMIN, new ProfileParameters.None()));
  }

  @Test
  void aNodeGetsItsOwnKubeletCertificatesForRegisteredAddressesOnly() throws Exception {
    Caller node = caller("system:node:worker-1", Role.NODE);
    assertEquals(
        Optional.empty(),
        rule(node, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("worker-1")));
    assertEquals(
        Optional.empty(),
        rule(
            node,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("worker-1", List.of("192.0.2.11"))));
    assertEquals(
        Optional.of("OTHER_NODE"),
        rule(node, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("worker-2")));
    assertEquals(
        Optional.of("ADDRESS_NOT_REGISTERED"),
        rule(
            node,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("worker-1", List.of("192.0.2.12"))));
    assertEquals(
        Optional.of("PROFILE_NOT_ALLOWED"),
        rule(node, Profile.ADMIN, new ProfileParameters.None()));
  }

  @Test
  void registeredAddressesCompareAsAddressesHoweverTheyAreWritten() throws Exception {
    Caller node = caller("system:node:worker-1", Role.NODE);
    assertEquals(
        Optional.empty(),
        rule(
            node,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing(
                "worker-1", List.of("2001:db8:0:0:0:0:0:11", "worker-1.example.test"))));
    assertEquals(
        Optional.of("ADDRESS_NOT_REGISTERED"),
        rule(
            node,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("worker-1", List.of("2001:db8::12"))));
    Caller joining =
        Caller.joining(new Caller.TokenGrant("abcdefgh", "new-1", List.of("2001:db8::31")));
    assertEquals(
        Optional.empty(),
        rule(
            joining,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("new-1", List.of("2001:0db8::0031"))));
  }

  @Test
  void theCsrSignerGetsKubeletCertificatesOfAnyNodeAndNothingElse() throws Exception {
    Caller signer = caller("signet-csr-signer", Role.CSR_SIGNER);
    assertEquals(
        Optional.empty(),
        rule(signer, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("worker-7")));
    // a node Signet does not know: kube-controller-manager's rules (checked by the signer) only
    assertEquals(
        Optional.empty(),
        rule(
            signer,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("worker-7", List.of("10.9.9.9"))));
    // a node Signet knows: its registered addresses only
    assertEquals(
        Optional.empty(),
        rule(
            signer,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("worker-1", List.of("2001:db8:0::11"))));
    assertEquals(
        Optional.of("ADDRESS_NOT_REGISTERED"),
        rule(
            signer,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("worker-1", List.of("192.0.2.11", "10.9.9.9"))));
    for (Profile other : List.of(Profile.ADMIN, Profile.SUPER_ADMIN, Profile.APISERVER)) {
      assertEquals(
          Optional.of("PROFILE_NOT_ALLOWED"),
          rule(signer, other, new ProfileParameters.None()),
          other.id());
    }
  }

  @Test
  void aNodeRoleWithoutANodeNameIsRefused() throws Exception {
    assertEquals(
        Optional.of("NOT_A_NODE"),
        rule(
            caller("worker-1", Role.NODE),
            Profile.KUBELET_CLIENT,
            new ProfileParameters.KubeletClient("worker-1")));
  }

  @Test
  void aNodeWithNothingRegisteredMayNotHaveAServingCertificate() throws Exception {
    assertEquals(
        Optional.of("ADDRESS_NOT_REGISTERED"),
        rule(
            caller("system:node:worker-3", Role.NODE),
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("worker-3", List.of("192.0.2.13"))));
  }

  @Test
  void aConstrainedProvisionerIsHeldToItsPatternsRangesAndSuffixes() throws Exception {
    Caller edge = caller("edge", Role.PROVISIONER);
    assertEquals(
        Optional.empty(),
        rule(
            edge,
            Profile.ETCD_SERVER,
            new ProfileParameters.EtcdMember(
                "edge-1", "10.1.2.3", List.of("db.edge.test", "fd00::5"))));
    assertEquals(
        Optional.empty(),
        rule(edge, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("gw-7")));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(edge, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("gw-77")));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(
            edge,
            Profile.ETCD_SERVER,
            new ProfileParameters.EtcdMember("edge-1", "10.2.0.1", List.of())));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(
            edge,
            Profile.ETCD_SERVER,
            new ProfileParameters.EtcdMember("edge-1", "10.1.0.1", List.of("db.core.test"))));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(
            edge,
            Profile.ETCD_SERVER,
            new ProfileParameters.EtcdMember("edge-1", "10.1.0.1", List.of("fd01::1"))));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(
            edge,
            Profile.APISERVER,
            new ProfileParameters.Apiserver(
                "edge-1", "10.1.0.1", "api.core.test:6443", "", "", List.of())));
  }

  @Test
  void anUnconstrainedProvisionerMayNotHaveSuperAdmin() throws Exception {
    Caller ops = caller("ops", Role.PROVISIONER);
    assertEquals(Optional.empty(), rule(ops, Profile.ADMIN, new ProfileParameters.None()));
    Optional<IssuancePolicy.Denial> denial =
        policy.check(ops, Profile.SUPER_ADMIN, new ProfileParameters.None());
    assertEquals("PROFILE_NOT_ALLOWED", denial.orElseThrow().rule());
    assertTrue(denial.get().message().contains("system:masters"));
  }

  @Test
  void auditorsAndRolelessCallersMayNotIssue() throws Exception {
    assertEquals(
        Optional.of("ROLE_NOT_ALLOWED"),
        rule(
            caller("audit", Role.AUDITOR),
            Profile.KUBELET_CLIENT,
            new ProfileParameters.KubeletClient("worker-1")));
    assertEquals(
        Optional.of("NO_ROLE"),
        rule(
            Caller.withCredential("x", List.of("other"), Optional.empty(), "02"),
            Profile.KUBELET_CLIENT,
            new ProfileParameters.KubeletClient("worker-1")));
  }

  @Test
  void aSpentTokenGrantsItsNodeCredentialAndKubeletCertificatesOnly() throws Exception {
    Caller joining =
        Caller.joining(new Caller.TokenGrant("abcdefgh", "new-1", List.of("192.0.2.31")));
    assertEquals(
        Optional.empty(),
        rule(
            joining,
            Profile.SIGNET_API_CLIENT,
            new ProfileParameters.SignetClient("system:node:new-1", "signet:node")));
    assertEquals(
        Optional.empty(),
        rule(
            joining,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("new-1", List.of("192.0.2.31"))));
    assertEquals(
        Optional.of("TOKEN_SCOPE"),
        rule(
            joining,
            Profile.SIGNET_API_CLIENT,
            new ProfileParameters.SignetClient("system:node:new-2", "signet:node")));
    assertEquals(
        Optional.of("TOKEN_SCOPE"),
        rule(
            joining,
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing("new-1", List.of("192.0.2.32"))));
    assertEquals(
        Optional.of("TOKEN_SCOPE"), rule(joining, Profile.ADMIN, new ProfileParameters.None()));
  }

  @Test
  void bootstrapTokensFollowTheSameConstraints() {
    assertEquals(
        Optional.empty(),
        policy.checkBootstrapToken(
            caller("edge", Role.PROVISIONER), "edge-2", List.of("10.1.9.9")));
    assertEquals(
        "OUTSIDE_CONSTRAINTS",
        policy
            .checkBootstrapToken(caller("edge", Role.PROVISIONER), "core-2", List.of("10.1.9.9"))
            .orElseThrow()
            .rule());
    assertEquals(
        "ROLE_NOT_ALLOWED",
        policy
            .checkBootstrapToken(
                caller("system:node:worker-1", Role.NODE), "worker-1", List.of("10.1.9.9"))
            .orElseThrow()
            .rule());
  }
}
