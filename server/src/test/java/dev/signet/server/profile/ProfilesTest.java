package dev.signet.server.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.profile.Profile.ExtendedKeyUsage;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves that {@link Profiles#content} gives every profile exactly the subject, names, usages and
 * CA of the table in {@code kubernetes-profiles.md}, applies the cluster parameters of the
 * apiserver profile, drops duplicate names, and refuses malformed typed inputs naming the field.
 */
class ProfilesTest {
  private static final Set<ExtendedKeyUsage> SERVER = Set.of(ExtendedKeyUsage.SERVER_AUTH);
  private static final Set<ExtendedKeyUsage> CLIENT = Set.of(ExtendedKeyUsage.CLIENT_AUTH);
  private static final Set<ExtendedKeyUsage> BOTH =
      Set.of(ExtendedKeyUsage.SERVER_AUTH, ExtendedKeyUsage.CLIENT_AUTH);

  /** One row of the profiles document, with the parameters that produce it. */
  private record Row(
      ProfileParameters parameters,
      TrustDomain ca,
      String commonName,
      List<String> organizations,
      List<String> dnsNames,
      List<String> ipAddresses,
      Set<ExtendedKeyUsage> usages,
      String nodeName) {}

  /** kubernetes-profiles.md, "Leaf profiles", row by row; plus Signet's two API profiles. */
  private static final Map<Profile, Row> TABLE = new EnumMap<>(Profile.class);

  static {
    ProfileParameters none = new ProfileParameters.None();
    TABLE.put(
        Profile.APISERVER,
        new Row(
            new ProfileParameters.Apiserver("cp-1", "192.168.1.10", "", "", "", List.of()),
            TrustDomain.KUBERNETES,
            "kube-apiserver",
            List.of(),
            List.of(
                "cp-1",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local"),
            List.of("10.96.0.1", "192.168.1.10"),
            SERVER,
            "cp-1"));
    TABLE.put(
        Profile.APISERVER_KUBELET_CLIENT,
        new Row(
            none,
            TrustDomain.KUBERNETES,
            "kube-apiserver-kubelet-client",
            List.of("kubeadm:cluster-admins"),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.FRONT_PROXY_CLIENT,
        new Row(
            none,
            TrustDomain.FRONT_PROXY,
            "front-proxy-client",
            List.of(),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    for (Profile etcd : List.of(Profile.ETCD_SERVER, Profile.ETCD_PEER)) {
      TABLE.put(
          etcd,
          new Row(
              new ProfileParameters.EtcdMember("etcd-1", "192.168.1.11", List.of()),
              TrustDomain.ETCD,
              "etcd-1",
              List.of(),
              List.of("etcd-1", "localhost"),
              List.of("192.168.1.11", "127.0.0.1", "::1"),
              BOTH,
              "etcd-1"));
    }
    TABLE.put(
        Profile.ETCD_HEALTHCHECK_CLIENT,
        new Row(
            none,
            TrustDomain.ETCD,
            "kube-etcd-healthcheck-client",
            List.of(),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.APISERVER_ETCD_CLIENT,
        new Row(
            none,
            TrustDomain.ETCD,
            "kube-apiserver-etcd-client",
            List.of(),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.ADMIN,
        new Row(
            none,
            TrustDomain.KUBERNETES,
            "kubernetes-admin",
            List.of("kubeadm:cluster-admins"),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.SUPER_ADMIN,
        new Row(
            none,
            TrustDomain.KUBERNETES,
            "kubernetes-super-admin",
            List.of("system:masters"),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.CONTROLLER_MANAGER,
        new Row(
            none,
            TrustDomain.KUBERNETES,
            "system:kube-controller-manager",
            List.of(),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.SCHEDULER,
        new Row(
            none,
            TrustDomain.KUBERNETES,
            "system:kube-scheduler",
            List.of(),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.KUBE_PROXY,
        new Row(
            none,
            TrustDomain.KUBERNETES,
            "system:kube-proxy",
            List.of(),
            List.of(),
            List.of(),
            CLIENT,
            ""));
    TABLE.put(
        Profile.KUBELET_CLIENT,
        new Row(
            new ProfileParameters.KubeletClient("worker-1"),
            TrustDomain.KUBERNETES,
            "system:node:worker-1",
            List.of("system:nodes"),
            List.of(),
            List.of(),
            CLIENT,
            "worker-1"));
    TABLE.put(
        Profile.KUBELET_SERVING,
        new Row(
            new ProfileParameters.KubeletServing(
                "worker-1", List.of("worker-1.example", "10.0.0.5", "fd00::5")),
            TrustDomain.KUBERNETES,
            "system:node:worker-1",
            List.of("system:nodes"),
            List.of("worker-1.example"),
            List.of("10.0.0.5", "fd00::5"),
            SERVER,
            "worker-1"));
    // Signet's own API (not in the Kubernetes table): its own CA; the daemon serves as "signetd",
    // callers are named by the request, their role by the organization.
    TABLE.put(
        Profile.SIGNET_API_SERVER,
        new Row(
            new ProfileParameters.SignetServer(List.of("signet.example", "127.0.0.1")),
            TrustDomain.SIGNET_API,
            "signetd",
            List.of(),
            List.of("signet.example"),
            List.of("127.0.0.1"),
            SERVER,
            ""));
    TABLE.put(
        Profile.SIGNET_API_CLIENT,
        new Row(
            new ProfileParameters.SignetClient("alice@example", "signet:operators"),
            TrustDomain.SIGNET_API,
            "alice@example",
            List.of("signet:operators"),
            List.of(),
            List.of(),
            CLIENT,
            ""));
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void everyProfileGivesExactlyTheDocumentedContent(Profile profile) throws Exception {
    Row row = TABLE.get(profile);
    assertTrue(row != null, "the table of this test lacks " + profile + ": add its documented row");

    CertificateContent content = content(profile, row.parameters());

    assertEquals(profile, content.profile());
    assertEquals(row.ca(), profile.trustDomain());
    assertEquals(row.commonName(), content.commonName());
    assertEquals(row.organizations(), content.organizations());
    assertEquals(row.dnsNames(), content.dnsNames());
    assertEquals(addresses(row.ipAddresses()), content.ipAddresses());
    assertEquals(row.usages(), content.extendedKeyUsages());
    assertEquals(row.nodeName(), content.nodeName());
    assertEquals(
        !row.dnsNames().isEmpty() || !row.ipAddresses().isEmpty(), content.hasSubjectAltNames());
  }

  @Test
  void profileIdsAreTheRpcNamesOfTheDocument() {
    List<String> documented =
        List.of(
            "apiserver",
            "apiserver-kubelet-client",
            "front-proxy-client",
            "etcd-server",
            "etcd-peer",
            "etcd-healthcheck-client",
            "apiserver-etcd-client",
            "admin",
            "super-admin",
            "controller-manager",
            "scheduler",
            "kube-proxy",
            "kubelet-client",
            "kubelet-serving");
    List<String> ids = new ArrayList<>();
    for (Profile profile : Profile.values()) {
      ids.add(profile.id());
      assertEquals(profile, Profile.fromId(profile.id()));
    }
    assertTrue(ids.containsAll(documented), ids.toString());
    assertThrows(IllegalArgumentException.class, () -> Profile.fromId("APISERVER"));
  }

  // --- apiserver ------------------------------------------------------------------------------

  static Stream<Arguments> controlPlaneEndpoints() {
    return Stream.of(
        Arguments.of("cp.example.com:6443", List.of("cp.example.com"), List.of()),
        Arguments.of("cp.example.com", List.of("cp.example.com"), List.of()),
        Arguments.of("192.168.1.100:6443", List.of(), List.of("192.168.1.100")),
        Arguments.of("192.168.1.100", List.of(), List.of("192.168.1.100")),
        Arguments.of("[fd00::100]:6443", List.of(), List.of("fd00::100")),
        Arguments.of("[fd00::100]", List.of(), List.of("fd00::100")),
        Arguments.of("fd00::100", List.of(), List.of("fd00::100")),
        Arguments.of("cp.example.com:65535", List.of("cp.example.com"), List.of()),
        Arguments.of("cp.example.com:1", List.of("cp.example.com"), List.of()));
  }

  @ParameterizedTest
  @MethodSource("controlPlaneEndpoints")
  void controlPlaneEndpointHostIsAddedAsANameOrAnAddress(
      String endpoint, List<String> extraDns, List<String> extraIps) throws Exception {
    CertificateContent content = apiserver("cp-1", "192.168.1.10", endpoint, "", "", List.of());

    List<String> dns = new ArrayList<>(defaultApiserverDns("cp-1", "cluster.local"));
    dns.addAll(extraDns);
    List<String> ips = new ArrayList<>(List.of("10.96.0.1", "192.168.1.10"));
    ips.addAll(extraIps);
    assertEquals(dns, content.dnsNames());
    assertEquals(addresses(ips), content.ipAddresses());
  }

  @Test
  void extraSansAreAddedAfterTheFixedOnes() throws Exception {
    CertificateContent content =
        apiserver(
            "cp-1",
            "192.168.1.10",
            "",
            "",
            "",
            List.of("api.example.com", "203.0.113.7", "fd00::99"));

    List<String> dns = new ArrayList<>(defaultApiserverDns("cp-1", "cluster.local"));
    dns.add("api.example.com");
    assertEquals(dns, content.dnsNames());
    assertEquals(
        addresses(List.of("10.96.0.1", "192.168.1.10", "203.0.113.7", "fd00::99")),
        content.ipAddresses());
  }

  @Test
  void customDnsDomainAndServiceCidrReplaceTheDefaults() throws Exception {
    CertificateContent content =
        apiserver("cp-1", "192.168.1.10", "", "10.100.0.0/16", "corp.internal", List.of());

    assertEquals(defaultApiserverDns("cp-1", "corp.internal"), content.dnsNames());
    assertEquals(addresses(List.of("10.100.0.1", "192.168.1.10")), content.ipAddresses());
  }

  @Test
  void clusterDefaultsApplyWhenTheRequestLeavesThemOut() throws Exception {
    CertificateContent content =
        Profiles.content(
            Profile.APISERVER,
            new ProfileParameters.Apiserver("cp-1", "192.168.1.10", "", "", "", List.of()),
            new ClusterDefaults("k8s.test", "172.20.0.0/16"));

    assertEquals(defaultApiserverDns("cp-1", "k8s.test"), content.dnsNames());
    assertEquals(addresses(List.of("172.20.0.1", "192.168.1.10")), content.ipAddresses());
  }

  @Test
  void ipv6AndDualStackServiceCidrsUseTheFirstNetwork() throws Exception {
    assertEquals(
        addresses(List.of("fd00:10:96::1", "fd00::10")),
        apiserver("cp-1", "fd00::10", "", "fd00:10:96::/112", "", List.of()).ipAddresses());
    assertEquals(
        addresses(List.of("10.96.0.1", "192.168.1.10")),
        apiserver("cp-1", "192.168.1.10", "", "10.96.0.0/12,fd00:10:96::/112", "", List.of())
            .ipAddresses());
  }

  @Test
  void theSecondNetworkOfADualStackServiceCidrIsCheckedToo() {
    for (String cidr :
        List.of("10.96.0.0/12,10.100.0.0/16", "10.96.0.0/12,fd00::1/112", "10.96.0.0/12,x")) {
      InvalidParametersException e =
          assertThrows(
              InvalidParametersException.class,
              () -> apiserver("cp-1", "192.168.1.10", "", cidr, "", List.of()),
              cidr);
      assertTrue(e.getMessage().startsWith("service_cidr"), e.getMessage());
    }
  }

  @Test
  void requestedNamesAreWhatTheRequestBroughtInHoweverItGotThere() throws Exception {
    CertificateContent content =
        apiserver(
            "cp-1",
            "192.168.1.10",
            "api.example.com:6443",
            "10.100.0.0/16,fd00:10:96::/112",
            "corp.internal",
            List.of("203.0.113.7", "kubernetes"));

    // not listed: kubernetes, kubernetes.default, kubernetes.default.svc (every apiserver has
    // them), even when asked for again as an extra SAN
    assertEquals(
        List.of(
            "cp-1",
            "kubernetes.default.svc.corp.internal",
            "10.100.0.1",
            "fd00:10:96::1",
            "192.168.1.10",
            "api.example.com",
            "203.0.113.7"),
        content.requestedNames());
    // the second network's address is named, not signed (kubeadm leaves it out)
    assertEquals(
        addresses(List.of("10.100.0.1", "192.168.1.10", "203.0.113.7")), content.ipAddresses());
  }

  @Test
  void namesFromTheDaemonsClusterDefaultsAreNotRequested() throws Exception {
    CertificateContent defaults = apiserver("cp-1", "192.168.1.10", "", "", "", List.of());
    CertificateContent sameAsDefaults =
        apiserver("cp-1", "192.168.1.10", "", "10.96.0.0/12", "cluster.local", List.of());

    assertEquals(List.of("cp-1", "192.168.1.10"), defaults.requestedNames());
    assertEquals(defaults.requestedNames(), sameAsDefaults.requestedNames());
    assertEquals(
        List.of("etcd-1", "10.0.0.5"),
        content(
                Profile.ETCD_SERVER,
                new ProfileParameters.EtcdMember("etcd-1", "10.0.0.5", List.of("localhost")))
            .requestedNames());
  }

  @Test
  void atMostAHundredExtraNamesPerCertificate() throws Exception {
    List<String> hundred = new ArrayList<>();
    for (int i = 0; i < Profiles.MAX_EXTRA_NAMES; i++) {
      hundred.add("san-" + i + ".example.com");
    }
    assertEquals(
        Profiles.MAX_EXTRA_NAMES + 5,
        apiserver("cp-1", "192.168.1.10", "", "", "", hundred).dnsNames().size());
    List<String> tooMany = new ArrayList<>(hundred);
    tooMany.add("one-more.example.com");

    for (ProfileCall call :
        List.<ProfileCall>of(
            () -> apiserver("cp-1", "192.168.1.10", "", "", "", tooMany),
            () ->
                content(
                    Profile.ETCD_PEER,
                    new ProfileParameters.EtcdMember("etcd-1", "10.0.0.5", tooMany)),
            () ->
                content(
                    Profile.KUBELET_SERVING,
                    new ProfileParameters.KubeletServing("worker-1", tooMany)))) {
      InvalidParametersException e = assertThrows(InvalidParametersException.class, call::run);
      assertTrue(e.getMessage().contains("101 names; at most 100"), e.getMessage());
    }
  }

  @Test
  void apiserverDropsDuplicateNames() throws Exception {
    CertificateContent content =
        apiserver(
            "kubernetes",
            "10.96.0.1",
            "10.96.0.1:6443",
            "",
            "",
            List.of(
                "kubernetes.default",
                "kubernetes",
                "10.96.0.1",
                "api.example.com",
                "api.example.com"));

    assertEquals(
        List.of(
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
            "api.example.com"),
        content.dnsNames());
    assertEquals(addresses(List.of("10.96.0.1")), content.ipAddresses());
  }

  @Test
  void missingNodeNameIsRefused() {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () -> apiserver("", "192.168.1.10", "", "", "", List.of()));

    assertTrue(e.getMessage().contains("node_name"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Worker-1",
        "worker_1",
        "worker-1.",
        "10.0.0.1",
        "*.nodes",
        "system:node:worker-1"
      })
  void malformedNodeNameIsRefusedForEveryNodeProfile(String nodeName) {
    List<ProfileCall> calls =
        List.of(
            () -> apiserver(nodeName, "192.168.1.10", "", "", "", List.of()),
            () ->
                content(
                    Profile.ETCD_SERVER,
                    new ProfileParameters.EtcdMember(nodeName, "10.0.0.1", List.of())),
            () ->
                content(
                    Profile.ETCD_PEER,
                    new ProfileParameters.EtcdMember(nodeName, "10.0.0.1", List.of())),
            () -> content(Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient(nodeName)),
            () ->
                content(
                    Profile.KUBELET_SERVING,
                    new ProfileParameters.KubeletServing(nodeName, List.of("10.0.0.1"))));
    for (ProfileCall call : calls) {
      InvalidParametersException e = assertThrows(InvalidParametersException.class, call::run);
      assertTrue(e.getMessage().contains("node_name"), e.getMessage());
    }
  }

  @Test
  void uppercaseNodeNameReasonSaysSo() {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () -> content(Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("Worker-1")));

    assertTrue(e.getMessage().contains("uppercase"), e.getMessage());
    assertTrue(e.getMessage().contains("Worker-1"), e.getMessage());
  }

  @Test
  void controlCharactersInEchoedInputAreMadeVisible() {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () ->
                content(
                    Profile.KUBELET_CLIENT,
                    new ProfileParameters.KubeletClient("worker-1\nO=system:masters")));

    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().contains("\\x0a"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "cp-1.example", "192.168.1", "10.0.0.0/8", "[::1]"})
  void advertiseAddressMustBeAnIpAddress(String address) {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () -> apiserver("cp-1", address, "", "", "", List.of()));

    assertTrue(e.getMessage().contains("advertise_address"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "cp.example.com:0",
        "cp.example.com:70000",
        "cp.example.com:abc",
        "cp.example.com:",
        "cp.example.com:-1",
        "cp.example.com:123456",
        "[fd00::100]:0",
        "[fd00::100]:x",
        "[fd00::100]6443",
        "[fd00::100",
        "Cp.example.com:6443",
        "https://cp.example.com:6443"
      })
  void malformedControlPlaneEndpointIsRefused(String endpoint) {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () -> apiserver("cp-1", "192.168.1.10", endpoint, "", "", List.of()));

    assertTrue(e.getMessage().contains("control_plane_endpoint"), e.getMessage());
  }

  @Test
  void malformedClusterParametersAreRefusedNamingTheField() {
    InvalidParametersException domain =
        assertThrows(
            InvalidParametersException.class,
            () -> apiserver("cp-1", "192.168.1.10", "", "", "Cluster.Local", List.of()));
    assertTrue(domain.getMessage().contains("dns_domain"), domain.getMessage());

    InvalidParametersException cidr =
        assertThrows(
            InvalidParametersException.class,
            () -> apiserver("cp-1", "192.168.1.10", "", "10.96.0.1/12", "", List.of()));
    assertTrue(cidr.getMessage().contains("service_cidr"), cidr.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "*.example.com",
        "API.example.com",
        "admin@example.com",
        "spiffe://cluster.local/x",
        ""
      })
  void malformedExtraSanIsRefused(String san) {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () -> apiserver("cp-1", "192.168.1.10", "", "", "", List.of(san)));

    assertTrue(e.getMessage().contains("extra_sans"), e.getMessage());
  }

  // --- etcd -----------------------------------------------------------------------------------

  @Test
  void etcdMemberAddsExtrasAndDropsDuplicates() throws Exception {
    CertificateContent content =
        content(
            Profile.ETCD_PEER,
            new ProfileParameters.EtcdMember(
                "etcd-1",
                "127.0.0.1",
                List.of("localhost", "etcd-1.example", "::1", "0:0:0:0:0:0:0:1", "10.0.0.7")));

    assertEquals("etcd-1", content.commonName());
    assertEquals(List.of("etcd-1", "localhost", "etcd-1.example"), content.dnsNames());
    assertEquals(addresses(List.of("127.0.0.1", "::1", "10.0.0.7")), content.ipAddresses());
  }

  @Test
  void etcdMemberNeedsAnAdvertiseAddress() {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () ->
                content(
                    Profile.ETCD_SERVER,
                    new ProfileParameters.EtcdMember("etcd-1", "etcd-1", List.of())));

    assertTrue(e.getMessage().contains("advertise_address"), e.getMessage());
  }

  // --- kubelet --------------------------------------------------------------------------------

  @Test
  void kubeletClientHasNoSubjectAltNames() throws Exception {
    CertificateContent content =
        content(Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient("worker-1"));

    assertFalse(content.hasSubjectAltNames());
  }

  @Test
  void kubeletServingNeedsAtLeastOneAddress() {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () ->
                content(
                    Profile.KUBELET_SERVING,
                    new ProfileParameters.KubeletServing("worker-1", List.of())));

    assertTrue(e.getMessage().contains("addresses"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "admin@example.com",
        "spiffe://cluster.local/ns/default/sa/x",
        "https://worker-1",
        "*.worker-1.example",
        "worker-1.example.",
        "Worker-1",
        "10.0.0.5/32"
      })
  void kubeletServingRefusesEverythingButDnsNamesAndIps(String address) {
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () ->
                content(
                    Profile.KUBELET_SERVING,
                    new ProfileParameters.KubeletServing(
                        "worker-1", List.of("worker-1", address))));

    assertTrue(e.getMessage().contains("addresses"), e.getMessage());
  }

  @Test
  void kubeletServingDropsDuplicates() throws Exception {
    CertificateContent content =
        content(
            Profile.KUBELET_SERVING,
            new ProfileParameters.KubeletServing(
                "worker-1",
                List.of("worker-1", "10.0.0.5", "worker-1", "fd00::5", "10.0.0.5", "fd00:0::5")));

    assertEquals(List.of("worker-1"), content.dnsNames());
    assertEquals(addresses(List.of("10.0.0.5", "fd00::5")), content.ipAddresses());
  }

  // --- Signet's own API -----------------------------------------------------------------------

  @Test
  void signetServerNeedsANameAndChecksEach() {
    assertThrows(
        InvalidParametersException.class,
        () -> content(Profile.SIGNET_API_SERVER, new ProfileParameters.SignetServer(List.of())));
    InvalidParametersException e =
        assertThrows(
            InvalidParametersException.class,
            () ->
                content(
                    Profile.SIGNET_API_SERVER,
                    new ProfileParameters.SignetServer(List.of("localhost", "*.x"))));
    assertTrue(e.getMessage().contains("serverNames"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a,O=system:masters", "alice bob", "-alice", "a\u0000b", "é"})
  void signetClientRefusesIdentitiesWithDnSyntaxOrOddCharacters(String identity) {
    assertThrows(
        InvalidParametersException.class,
        () ->
            content(
                Profile.SIGNET_API_CLIENT,
                new ProfileParameters.SignetClient(identity, "signet:operators")));
    assertThrows(
        InvalidParametersException.class,
        () ->
            content(
                Profile.SIGNET_API_CLIENT, new ProfileParameters.SignetClient("alice", identity)));
  }

  @Test
  void signetClientIdentityIsAtMost64Characters() throws Exception {
    String longest = "a".repeat(64);

    assertEquals(
        longest,
        content(Profile.SIGNET_API_CLIENT, new ProfileParameters.SignetClient(longest, "o"))
            .commonName());
    assertThrows(
        InvalidParametersException.class,
        () ->
            content(
                Profile.SIGNET_API_CLIENT, new ProfileParameters.SignetClient(longest + "a", "o")));
  }

  @Test
  void parametersOfTheWrongShapeAreAWiringError() {
    assertThrows(
        IllegalArgumentException.class,
        () -> content(Profile.KUBELET_CLIENT, new ProfileParameters.None()));
    assertThrows(
        IllegalArgumentException.class,
        () -> content(Profile.ADMIN, new ProfileParameters.KubeletClient("worker-1")));
  }

  // --- helpers --------------------------------------------------------------------------------

  @FunctionalInterface
  private interface ProfileCall {
    CertificateContent run() throws InvalidParametersException;
  }

  private static CertificateContent content(Profile profile, ProfileParameters parameters)
      throws InvalidParametersException {
    return Profiles.content(profile, parameters, ClusterDefaults.KUBEADM);
  }

  private static CertificateContent apiserver(
      String nodeName,
      String advertiseAddress,
      String controlPlaneEndpoint,
      String serviceCidr,
      String dnsDomain,
      List<String> extraSans)
      throws InvalidParametersException {
    return content(
        Profile.APISERVER,
        new ProfileParameters.Apiserver(
            nodeName, advertiseAddress, controlPlaneEndpoint, serviceCidr, dnsDomain, extraSans));
  }

  private static List<String> defaultApiserverDns(String nodeName, String dnsDomain) {
    return List.of(
        nodeName,
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc." + dnsDomain);
  }

  private static List<InetAddress> addresses(List<String> literals) throws UnknownHostException {
    List<InetAddress> out = new ArrayList<>();
    for (String literal : literals) {
      out.add(InetAddress.getByName(literal));
    }
    return out;
  }
}
