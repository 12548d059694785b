package dev.signet.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.ledger.Nodes;
import dev.signet.server.profile.ClusterDefaults;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import dev.signet.server.profile.Profiles;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The per-request rules, role by role, with an in-memory node registry. Requests go through the
 * profiles first, as in the issuer, so that the names checked are those the certificate would
 * carry.
 */
class IssuancePolicyTest {
  private static final ClusterDefaults CLUSTER =
      new ClusterDefaults("cluster.local", "10.96.0.0/12");

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

  /** The issue's provisioner: names confined, and only the node profiles granted. */
  private static final ProvisionerGrant EDGE =
      ProvisionerGrant.of(
          "edge",
          List.of("kubelet-client", "kubelet-serving", "kube-proxy", "apiserver", "etcd-server"),
          false,
          List.of("edge-*", "gw-?", "cp-*.edge.test"),
          List.of("10.1.0.0/16", "fd00::/64"),
          List.of(".edge.test"));

  private final IssuancePolicy policy =
      new IssuancePolicy(
          Map.of(
              "edge",
              EDGE,
              "standard",
              ProvisionerGrant.of(
                  "standard",
                  List.of("*", "admin"),
                  false,
                  List.of("*", "*.example.test"),
                  List.of("0.0.0.0/0"),
                  List.of("example.test")),
              "wide",
              ProvisionerGrant.of("wide", List.of(), true, List.of(), List.of(), List.of())),
          REGISTRY);

  private static Caller caller(String name, Role role) {
    return Caller.withCredential(name, List.of(), Optional.of(role), "01");
  }

  private Optional<String> rule(Caller caller, Profile profile, ProfileParameters parameters)
      throws Exception {
    return denial(caller, profile, parameters).map(IssuancePolicy.Denial::rule);
  }

  private Optional<IssuancePolicy.Denial> denial(
      Caller caller, Profile profile, ProfileParameters parameters) throws Exception {
    return policy.check(caller, Profiles.content(profile, parameters, CLUSTER));
  }

  private static ProfileParameters.Apiserver apiserver(
      String node, String address, String endpoint, String cidr, String domain, String... extra) {
    return new ProfileParameters.Apiserver(
        node, address, endpoint, cidr, domain, Arrays.asList(extra));
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
    for (Profile other : List.of(Profile.ADMIN, Profile.SUPER_ADMIN)) {
      assertEquals(
          Optional.of("PROFILE_NOT_ALLOWED"),
          rule(signer, other, new ProfileParameters.None()),
          other.id());
    }
    assertEquals(
        Optional.of("PROFILE_NOT_ALLOWED"),
        rule(signer, Profile.APISERVER, apiserver("worker-1", "192.0.2.11", "", "", "")));
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
  void aProvisionerWithoutAnEntryGetsNothing() throws Exception {
    Optional<IssuancePolicy.Denial> denial =
        denial(
            caller("stray", Role.PROVISIONER),
            Profile.KUBELET_CLIENT,
            new ProfileParameters.KubeletClient("edge-1"));
    assertEquals("NO_PROVISIONER_ENTRY", denial.orElseThrow().rule());
    assertTrue(denial.get().message().contains("authorization.provisioners"));
    assertEquals(
        "NO_PROVISIONER_ENTRY",
        policy
            .checkBootstrapToken(caller("stray", Role.PROVISIONER), "edge-1", List.of("10.1.0.1"))
            .orElseThrow()
            .rule());
  }

  /** The issue's findings: each of these was issued to a provisioner confined by names only. */
  @ParameterizedTest
  @EnumSource(
      value = Profile.class,
      names = {
        "ADMIN",
        "SUPER_ADMIN",
        "APISERVER_KUBELET_CLIENT",
        "CONTROLLER_MANAGER",
        "SCHEDULER",
        "FRONT_PROXY_CLIENT",
        "APISERVER_ETCD_CLIENT",
        "ETCD_HEALTHCHECK_CLIENT"
      })
  void aProvisionerGetsOnlyTheProfilesItsEntryGrants(Profile profile) throws Exception {
    Optional<IssuancePolicy.Denial> denial =
        denial(caller("edge", Role.PROVISIONER), profile, new ProfileParameters.None());

    assertEquals("PROFILE_NOT_GRANTED", denial.orElseThrow().rule(), profile.id());
    assertTrue(
        denial.get().message().contains("authorization.provisioners.edge does not grant"),
        denial.get().message());
  }

  @Test
  void etcdPeerIsNotGrantedBecauseEtcdServerIs() throws Exception {
    assertEquals(
        Optional.of("PROFILE_NOT_GRANTED"),
        rule(
            caller("edge", Role.PROVISIONER),
            Profile.ETCD_PEER,
            new ProfileParameters.EtcdMember("edge-1", "10.1.0.1", List.of())));
  }

  @Test
  void aWildcardGrantsEveryProfileButTheHighValueOnes() throws Exception {
    Caller standard = caller("standard", Role.PROVISIONER);
    for (Profile profile : Profile.values()) {
      if (profile.trustDomain() == dev.signet.server.profile.TrustDomain.SIGNET_API) {
        continue;
      }
      boolean granted = !profile.highValue() || profile == Profile.ADMIN;
      Optional<String> problem = EDGE.profileProblem(profile);
      Optional<String> wildcard =
          policy.check(standard, contentFor(profile)).map(IssuancePolicy.Denial::rule);
      assertEquals(
          granted ? Optional.empty() : Optional.of("PROFILE_NOT_GRANTED"),
          wildcard,
          profile.id() + " (edge: " + problem + ")");
    }
    Optional<IssuancePolicy.Denial> superAdmin =
        denial(standard, Profile.SUPER_ADMIN, new ProfileParameters.None());
    assertTrue(
        superAdmin.orElseThrow().message().contains("granted only by naming it"),
        superAdmin.get().message());
  }

  @Test
  void unconstrainedLiftsTheNameConstraintsButNotTheHighValueRule() throws Exception {
    Caller wide = caller("wide", Role.PROVISIONER);
    assertEquals(
        Optional.empty(),
        rule(
            wide,
            Profile.APISERVER,
            apiserver("anything", "203.0.113.9", "api.bank.example", "", "", "www.bank.example")));
    assertEquals(
        Optional.of("PROFILE_NOT_GRANTED"),
        rule(wide, Profile.FRONT_PROXY_CLIENT, new ProfileParameters.None()));
    assertEquals(List.of("wide"), policy.unconstrainedProvisioners());
  }

  @Test
  void everyNameTheCertificateWouldCarryIsChecked() throws Exception {
    Caller edge = caller("edge", Role.PROVISIONER);
    // inside: names under .edge.test, addresses in 10.1/16; the cluster's own names are fine
    assertEquals(
        Optional.empty(),
        rule(
            edge,
            Profile.APISERVER,
            apiserver(
                "cp-1.edge.test",
                "10.1.0.1",
                "api.edge.test:6443",
                "",
                "",
                "lb.edge.test",
                "fd00::5")));
    // the node name ends up as a DNS SAN: it must be under the suffixes too
    assertOutside(edge, apiserver("edge-1", "10.1.0.1", "", "", ""), "DNS name edge-1");
    // the control-plane endpoint's host
    assertOutside(
        edge,
        apiserver("cp-1.edge.test", "10.1.0.1", "api.bank.example:6443", "", ""),
        "api.bank.example");
    assertOutside(
        edge, apiserver("cp-1.edge.test", "10.1.0.1", "192.168.7.9", "", ""), "192.168.7.9");
    // extra SANs
    assertOutside(
        edge,
        apiserver("cp-1.edge.test", "10.1.0.1", "", "", "", "worker-1.bank.example"),
        "worker-1.bank.example");
    // the first address of a service CIDR the caller chose
    assertOutside(
        edge, apiserver("cp-1.edge.test", "10.1.0.1", "", "192.168.7.4/30", ""), "192.168.7.5");
    // ... and of a dual-stack list's second network, though it is not in the certificate
    assertOutside(
        edge,
        apiserver("cp-1.edge.test", "10.1.0.1", "", "10.96.0.0/12,fd01::/112", ""),
        "fd01::1");
    assertEquals(
        Optional.empty(),
        rule(
            edge,
            Profile.APISERVER,
            apiserver("cp-1.edge.test", "10.1.0.1", "", "10.96.0.0/12,fd00::/112", "")));
    // names derived from a DNS domain the caller chose
    assertOutside(
        edge,
        apiserver("cp-1.edge.test", "10.1.0.1", "", "", "evil.example"),
        "kubernetes.default.svc.evil.example");
    assertEquals(
        Optional.empty(),
        rule(
            edge,
            Profile.APISERVER,
            apiserver("cp-1.edge.test", "10.1.0.1", "", "10.96.0.0/12", "cluster.local")));
  }

  @Test
  void globsNeverMatchAcrossADot() throws Exception {
    Caller edge = caller("edge", Role.PROVISIONER);
    assertEquals(
        Optional.empty(),
        rule(edge, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("gw-7")));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(edge, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("gw-77")));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(
            edge, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("edge-1.bank.test")));
    assertEquals(
        Optional.of("OUTSIDE_CONSTRAINTS"),
        rule(
            edge,
            Profile.KUBELET_CLIENT,
            new ProfileParameters.KubeletClient("cp-1.bank.edge.test")));
    assertEquals(
        Optional.empty(),
        rule(edge, Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("cp-1.edge.test")));
  }

  @Test
  void aConstrainedProvisionerIsHeldToItsRangesAndSuffixes() throws Exception {
    Caller edge = caller("edge", Role.PROVISIONER);
    assertEquals(
        Optional.empty(),
        rule(
            edge,
            Profile.ETCD_SERVER,
            new ProfileParameters.EtcdMember(
                "cp-1.edge.test", "10.1.2.3", List.of("db.edge.test", "fd00::5"))));
    assertOutside(
        edge,
        Profile.ETCD_SERVER,
        new ProfileParameters.EtcdMember("cp-1.edge.test", "10.2.0.1", List.of()),
        "10.2.0.1");
    assertOutside(
        edge,
        Profile.ETCD_SERVER,
        new ProfileParameters.EtcdMember("cp-1.edge.test", "10.1.0.1", List.of("db.core.test")),
        "db.core.test");
    assertOutside(
        edge,
        Profile.KUBELET_SERVING,
        new ProfileParameters.KubeletServing("edge-1", List.of("edge-1.edge.test", "fd01::1")),
        "fd01::1");
  }

  @Test
  void anEmptyDimensionAdmitsNothing() throws Exception {
    IssuancePolicy nodesOnly =
        new IssuancePolicy(
            Map.of(
                "names-only",
                ProvisionerGrant.of(
                    "names-only",
                    List.of("kubelet-client", "kubelet-serving"),
                    false,
                    List.of("worker-*"),
                    List.of(),
                    List.of())),
            REGISTRY);
    Caller caller = caller("names-only", Role.PROVISIONER);
    assertEquals(
        Optional.empty(),
        nodesOnly.check(
            caller,
            Profiles.content(
                Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("worker-1"), CLUSTER)));
    IssuancePolicy.Denial denial =
        nodesOnly
            .check(
                caller,
                Profiles.content(
                    Profile.KUBELET_SERVING,
                    new ProfileParameters.KubeletServing("worker-1", List.of("10.0.0.1")),
                    CLUSTER))
            .orElseThrow();
    assertTrue(denial.message().contains("names no addresses"), denial.message());
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
  void everyRoleMayRenewItsOwnCredentialOnly() throws Exception {
    Caller stray =
        Caller.withCredential(
            "stray", List.of("signet:provisioner"), Optional.of(Role.PROVISIONER), "03");
    assertEquals(
        Optional.empty(),
        rule(
            stray,
            Profile.SIGNET_API_CLIENT,
            new ProfileParameters.SignetClient("stray", "signet:provisioner")));
    assertEquals(
        Optional.of("NO_PROVISIONER_ENTRY"),
        rule(
            stray,
            Profile.SIGNET_API_CLIENT,
            new ProfileParameters.SignetClient("stray", "signet:ca-admin")));
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
  void bootstrapTokensNeedTheKubeletProfilesAndFollowTheSameConstraints() {
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
        "OUTSIDE_CONSTRAINTS",
        policy
            .checkBootstrapToken(caller("edge", Role.PROVISIONER), "edge-2", List.of("10.9.9.9"))
            .orElseThrow()
            .rule());
    IssuancePolicy apiserverOnly =
        new IssuancePolicy(
            Map.of(
                "cp",
                ProvisionerGrant.of(
                    "cp",
                    List.of("apiserver"),
                    false,
                    List.of("*"),
                    List.of("0.0.0.0/0"),
                    List.of("example.test"))),
            REGISTRY);
    assertEquals(
        "PROFILE_NOT_GRANTED",
        apiserverOnly
            .checkBootstrapToken(caller("cp", Role.PROVISIONER), "worker-2", List.of("10.1.9.9"))
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

  private void assertOutside(Caller caller, ProfileParameters.Apiserver request, String named)
      throws Exception {
    assertOutside(caller, Profile.APISERVER, request, named);
  }

  private void assertOutside(
      Caller caller, Profile profile, ProfileParameters request, String named) throws Exception {
    IssuancePolicy.Denial denial = denial(caller, profile, request).orElseThrow();
    assertEquals("OUTSIDE_CONSTRAINTS", denial.rule(), denial.message());
    assertTrue(denial.message().contains(named), named + " in: " + denial.message());
  }

  /** A well-formed request of each profile, inside the "standard" provisioner's names. */
  private static dev.signet.server.profile.CertificateContent contentFor(Profile profile)
      throws Exception {
    ProfileParameters parameters =
        switch (profile) {
          case APISERVER -> apiserver("cp-1.example.test", "10.0.0.1", "", "", "");
          case ETCD_SERVER, ETCD_PEER ->
              new ProfileParameters.EtcdMember("cp-1.example.test", "10.0.0.1", List.of());
          case KUBELET_CLIENT -> new ProfileParameters.KubeletClient("worker-1");
          case KUBELET_SERVING ->
              new ProfileParameters.KubeletServing("worker-1", List.of("10.0.0.2"));
          default -> new ProfileParameters.None();
        };
    return Profiles.content(profile, parameters, CLUSTER);
  }
}
