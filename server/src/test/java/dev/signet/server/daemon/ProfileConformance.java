package dev.signet.server.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CaBundle;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.IssuanceGrpc.IssuanceBlockingStub;
import dev.signet.api.v1.IssueAdminRequest;
import dev.signet.api.v1.IssueApiserverEtcdClientRequest;
import dev.signet.api.v1.IssueApiserverKubeletClientRequest;
import dev.signet.api.v1.IssueApiserverRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueControllerManagerRequest;
import dev.signet.api.v1.IssueEtcdHealthcheckClientRequest;
import dev.signet.api.v1.IssueEtcdPeerRequest;
import dev.signet.api.v1.IssueEtcdServerRequest;
import dev.signet.api.v1.IssueFrontProxyClientRequest;
import dev.signet.api.v1.IssueKubeProxyRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.IssueSchedulerRequest;
import dev.signet.api.v1.IssueSuperAdminRequest;
import dev.signet.api.v1.Profile;
import dev.signet.api.v1.TrustDomain;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every certificate a daemon issues, field by field against {@code kubernetes-profiles.md}, then
 * judged by OpenSSL ({@code verify -x509_strict} with the profile's purpose). The expectations
 * below are written from the document, not from Signet's code. Subclasses choose the CA's key
 * algorithm; leaves use the same family, so that keyEncipherment is checked both ways.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ProfileConformance {
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final Set<String> LEAF_EXTENSIONS =
      Set.of("2.5.29.15", "2.5.29.37", "2.5.29.19", "2.5.29.14", "2.5.29.35", "2.5.29.17");

  private TestDaemon daemon;
  private ApiClient client;
  private Path work;
  // One leaf key pair for every row: each row checks the certificate its own request gets, and
  // an RSA key pair costs a test JVM with the first-tier JIT about a second of CPU to make.
  private KeyPair leafKeys;

  abstract KeyAlgorithm caAlgorithm();

  abstract KeyAlgorithm leafAlgorithm();

  /** The OID of the signature algorithm certificates must carry. */
  abstract String signatureAlgorithmOid();

  @BeforeAll
  void startDaemon() throws Exception {
    work = Files.createTempDirectory("conformance-" + caAlgorithm().id());
    daemon =
        TestDaemon.start(
            "conf-" + caAlgorithm().id(), new DaemonConfig().algorithm(caAlgorithm().id()));
    client = daemon.operator();
    leafKeys = Keys.generate(leafAlgorithm());
  }

  @AfterAll
  void stopDaemon() throws Exception {
    daemon.close();
  }

  /** One row of the profiles table: how to ask, and what must come back. */
  // The requests are stateless lambdas and the lists are List.of: nothing here is mutable.
  @SuppressWarnings("ImmutableEnumChecker")
  enum Row {
    APISERVER(
        (stub, csr) ->
            stub.issueApiserver(
                IssueApiserverRequest.newBuilder()
                    .setCsrDer(csr)
                    .setNodeName("cp-1")
                    .setAdvertiseAddress("192.0.2.10")
                    .setControlPlaneEndpoint("cp.example.test:6443")
                    .addExtraSans("api.example.test")
                    .addExtraSans("198.51.100.7")
                    .build()),
        Profile.PROFILE_APISERVER,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "kube-apiserver",
        List.of(),
        List.of(
            "cp-1",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
            "cp.example.test",
            "api.example.test"),
        List.of("10.96.0.1", "192.0.2.10", "198.51.100.7"),
        List.of(SERVER_AUTH)),
    APISERVER_KUBELET_CLIENT(
        (stub, csr) ->
            stub.issueApiserverKubeletClient(
                IssueApiserverKubeletClientRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_APISERVER_KUBELET_CLIENT,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "kube-apiserver-kubelet-client",
        List.of("kubeadm:cluster-admins"),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    FRONT_PROXY_CLIENT(
        (stub, csr) ->
            stub.issueFrontProxyClient(
                IssueFrontProxyClientRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_FRONT_PROXY_CLIENT,
        TrustDomain.TRUST_DOMAIN_FRONT_PROXY,
        "front-proxy-client",
        List.of(),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    ETCD_SERVER(
        (stub, csr) ->
            stub.issueEtcdServer(
                IssueEtcdServerRequest.newBuilder()
                    .setCsrDer(csr)
                    .setNodeName("etcd-1")
                    .setAdvertiseAddress("192.0.2.21")
                    .addExtraSans("etcd.example.test")
                    .build()),
        Profile.PROFILE_ETCD_SERVER,
        TrustDomain.TRUST_DOMAIN_ETCD,
        "etcd-1",
        List.of(),
        List.of("etcd-1", "localhost", "etcd.example.test"),
        List.of("192.0.2.21", "127.0.0.1", "::1"),
        List.of(SERVER_AUTH, CLIENT_AUTH)),
    ETCD_PEER(
        (stub, csr) ->
            stub.issueEtcdPeer(
                IssueEtcdPeerRequest.newBuilder()
                    .setCsrDer(csr)
                    .setNodeName("etcd-2")
                    .setAdvertiseAddress("192.0.2.22")
                    .build()),
        Profile.PROFILE_ETCD_PEER,
        TrustDomain.TRUST_DOMAIN_ETCD,
        "etcd-2",
        List.of(),
        List.of("etcd-2", "localhost"),
        List.of("192.0.2.22", "127.0.0.1", "::1"),
        List.of(SERVER_AUTH, CLIENT_AUTH)),
    ETCD_HEALTHCHECK_CLIENT(
        (stub, csr) ->
            stub.issueEtcdHealthcheckClient(
                IssueEtcdHealthcheckClientRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_ETCD_HEALTHCHECK_CLIENT,
        TrustDomain.TRUST_DOMAIN_ETCD,
        "kube-etcd-healthcheck-client",
        List.of(),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    APISERVER_ETCD_CLIENT(
        (stub, csr) ->
            stub.issueApiserverEtcdClient(
                IssueApiserverEtcdClientRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_APISERVER_ETCD_CLIENT,
        TrustDomain.TRUST_DOMAIN_ETCD,
        "kube-apiserver-etcd-client",
        List.of(),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    ADMIN(
        (stub, csr) -> stub.issueAdmin(IssueAdminRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_ADMIN,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "kubernetes-admin",
        List.of("kubeadm:cluster-admins"),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    SUPER_ADMIN(
        (stub, csr) ->
            stub.issueSuperAdmin(IssueSuperAdminRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_SUPER_ADMIN,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "kubernetes-super-admin",
        List.of("system:masters"),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    CONTROLLER_MANAGER(
        (stub, csr) ->
            stub.issueControllerManager(
                IssueControllerManagerRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_CONTROLLER_MANAGER,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "system:kube-controller-manager",
        List.of(),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    SCHEDULER(
        (stub, csr) ->
            stub.issueScheduler(IssueSchedulerRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_SCHEDULER,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "system:kube-scheduler",
        List.of(),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    KUBE_PROXY(
        (stub, csr) ->
            stub.issueKubeProxy(IssueKubeProxyRequest.newBuilder().setCsrDer(csr).build()),
        Profile.PROFILE_KUBE_PROXY,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "system:kube-proxy",
        List.of(),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    KUBELET_CLIENT(
        (stub, csr) ->
            stub.issueKubeletClient(
                IssueKubeletClientRequest.newBuilder()
                    .setCsrDer(csr)
                    .setNodeName("worker-7")
                    .build()),
        Profile.PROFILE_KUBELET_CLIENT,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "system:node:worker-7",
        List.of("system:nodes"),
        List.of(),
        List.of(),
        List.of(CLIENT_AUTH)),
    KUBELET_SERVING(
        (stub, csr) ->
            stub.issueKubeletServing(
                IssueKubeletServingRequest.newBuilder()
                    .setCsrDer(csr)
                    .setNodeName("worker-7")
                    .addAddresses("worker-7.example.test")
                    .addAddresses("192.0.2.77")
                    .build()),
        Profile.PROFILE_KUBELET_SERVING,
        TrustDomain.TRUST_DOMAIN_KUBERNETES,
        "system:node:worker-7",
        List.of("system:nodes"),
        List.of("worker-7.example.test"),
        List.of("192.0.2.77"),
        List.of(SERVER_AUTH));

    final BiFunction<IssuanceBlockingStub, ByteString, IssueCertificateResponse> request;
    final Profile profile;
    final TrustDomain domain;
    final String commonName;
    final List<String> organizations;
    final List<String> dnsNames;
    final List<String> ipAddresses;
    final List<String> extendedKeyUsages;

    Row(
        BiFunction<IssuanceBlockingStub, ByteString, IssueCertificateResponse> request,
        Profile profile,
        TrustDomain domain,
        String commonName,
        List<String> organizations,
        List<String> dnsNames,
        List<String> ipAddresses,
        List<String> extendedKeyUsages) {
      this.request = request;
      this.profile = profile;
      this.domain = domain;
      this.commonName = commonName;
      this.organizations = organizations;
      this.dnsNames = dnsNames;
      this.ipAddresses = ipAddresses;
      this.extendedKeyUsages = extendedKeyUsages;
    }
  }

  @ParameterizedTest
  @EnumSource(Row.class)
  void leafCertificateMatchesTheProfileFieldForField(Row row) throws Exception {
    KeyPair keys = leafKeys;
    Instant before = Instant.now();
    IssueCertificateResponse response = row.request.apply(client.issuance(), Keys.csrBytes(keys));
    Instant after = Instant.now();

    X509Certificate leaf = X509.parse(response.getCertificateDer().toByteArray());
    X509Certificate ca = caOf(row.domain);

    // the response
    assertEquals(row.profile, response.getProfile());
    assertEquals(row.domain, response.getTrustDomain());
    assertEquals(List.of(ByteString.copyFrom(ca.getEncoded())), response.getChainDerList());
    assertEquals(List.of(ByteString.copyFrom(ca.getEncoded())), response.getCaBundleDerList());
    assertEquals(leaf.getSerialNumber().toString(16), response.getSerial());
    assertEquals(
        leaf.getNotBefore().toInstant().getEpochSecond(), response.getNotBefore().getSeconds());
    assertEquals(
        leaf.getNotAfter().toInstant().getEpochSecond(), response.getNotAfter().getSeconds());
    assertFalse(response.getRequestId().isEmpty(), "a request id is always recorded");

    // the certificate
    assertEquals(3, leaf.getVersion());
    assertEquals(16, leaf.getSerialNumber().toByteArray().length, "16-octet positive serial");
    assertArrayEquals(
        ca.getSubjectX500Principal().getEncoded(), leaf.getIssuerX500Principal().getEncoded());
    leaf.verify(ca.getPublicKey());
    assertEquals(signatureAlgorithmOid(), leaf.getSigAlgOID());
    assertArrayEquals(
        keys.getPublic().getEncoded(), leaf.getPublicKey().getEncoded(), "the node's own key");

    X500Name subject = X500Name.getInstance(leaf.getSubjectX500Principal().getEncoded());
    assertEquals(
        row.organizations.size() + 1, subject.getRDNs().length, "subject is only O and CN");
    assertEquals(List.of(row.commonName), X509.attributeValues(subject, BCStyle.CN));
    assertEquals(row.organizations, X509.attributeValues(subject, BCStyle.O));

    Set<String> extensions = new HashSet<>(leaf.getNonCriticalExtensionOIDs());
    extensions.addAll(leaf.getCriticalExtensionOIDs());
    Set<String> expectedExtensions = new HashSet<>(LEAF_EXTENSIONS);
    if (row.dnsNames.isEmpty() && row.ipAddresses.isEmpty()) {
      expectedExtensions.remove("2.5.29.17");
    }
    assertEquals(expectedExtensions, extensions);
    assertEquals(
        Set.of("2.5.29.15", "2.5.29.19"),
        leaf.getCriticalExtensionOIDs(),
        "KU and BC critical, nothing else");

    assertEquals(-1, leaf.getBasicConstraints(), "CA:FALSE");
    boolean[] keyUsage = leaf.getKeyUsage();
    assertTrue(keyUsage[0], "digitalSignature");
    assertEquals(leafAlgorithm().isRsa(), keyUsage[2], "keyEncipherment only for RSA keys");
    for (int bit : new int[] {1, 3, 4, 5, 6, 7, 8}) {
      assertFalse(bit < keyUsage.length && keyUsage[bit], "key usage bit " + bit);
    }
    assertEquals(row.extendedKeyUsages, leaf.getExtendedKeyUsage());

    assertArrayEquals(
        keyIdentifier(leaf), subjectKeyIdentifier(leaf), "SKI = SHA-1 of the leaf key");
    assertArrayEquals(subjectKeyIdentifier(ca), authorityKeyIdentifier(leaf), "AKI = the CA's SKI");

    assertEquals(new TreeSet<>(row.dnsNames), new TreeSet<>(sans(leaf, 2)));
    List<String> expectedIps = new ArrayList<>();
    for (String ip : row.ipAddresses) {
      expectedIps.add(InetAddress.getByName(ip).getHostAddress());
    }
    assertEquals(new TreeSet<>(expectedIps), new TreeSet<>(sans(leaf, 7)));

    Instant notBefore = leaf.getNotBefore().toInstant();
    assertTrue(
        !notBefore.isBefore(before.minus(Duration.ofMinutes(5)).minusSeconds(1))
            && !notBefore.isAfter(after.minus(Duration.ofMinutes(5))),
        "backdated by 5 minutes: " + notBefore);
    // NotAfter is the issuance time plus the validity: the backdate does not shorten the lifetime
    assertEquals(
        Duration.ofDays(365).plusMinutes(5),
        Duration.between(notBefore, leaf.getNotAfter().toInstant()));

    for (String purpose : purposes(row)) {
      assertOpenSslAccepts(ca, leaf, purpose);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TrustDomain.class,
      names = {"TRUST_DOMAIN_UNSPECIFIED", "UNRECOGNIZED"},
      mode = EnumSource.Mode.EXCLUDE)
  void caCertificateMatchesTheProfile(TrustDomain domain) throws Exception {
    X509Certificate ca = caOf(domain);
    String commonName =
        switch (domain) {
          case TRUST_DOMAIN_KUBERNETES -> "kubernetes";
          case TRUST_DOMAIN_ETCD -> "etcd-ca";
          case TRUST_DOMAIN_FRONT_PROXY -> "front-proxy-ca";
          default -> "signet-api-ca";
        };
    X500Name subject = X500Name.getInstance(ca.getSubjectX500Principal().getEncoded());
    assertEquals(List.of(commonName), X509.attributeValues(subject, BCStyle.CN));
    assertEquals(1, subject.getRDNs().length);
    assertArrayEquals(
        ca.getSubjectX500Principal().getEncoded(), ca.getIssuerX500Principal().getEncoded());
    ca.verify(ca.getPublicKey());
    assertEquals(signatureAlgorithmOid(), ca.getSigAlgOID());
    assertEquals(caAlgorithm(), KeyAlgorithm.of(ca.getPublicKey()).orElseThrow());
    assertTrue(
        ca.getCriticalExtensionOIDs().containsAll(Set.of("2.5.29.19", "2.5.29.15")),
        "BC and KU critical");
    assertEquals(Integer.MAX_VALUE, ca.getBasicConstraints(), "CA:TRUE without a path length");
    boolean[] keyUsage = ca.getKeyUsage();
    assertTrue(keyUsage[0] && keyUsage[5] && keyUsage[6], "digitalSignature, keyCertSign, cRLSign");
    assertArrayEquals(keyIdentifier(ca), subjectKeyIdentifier(ca));
    assertEquals(List.of(commonName), sans(ca, 2), "dNSName equal to the CN, as kubeadm");
    assertEquals(
        Duration.ofDays(3650),
        Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant()));
    assertOpenSslAccepts(ca, ca, "any");
  }

  private X509Certificate caOf(TrustDomain domain) {
    for (CaBundle bundle :
        client.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance()).getBundlesList()) {
      if (bundle.getTrustDomain() == domain) {
        assertEquals(1, bundle.getCertificatesDerCount());
        return X509.parse(bundle.getCertificatesDer(0).toByteArray());
      }
    }
    throw new AssertionError("no bundle for " + domain);
  }

  private static List<String> purposes(Row row) {
    List<String> purposes = new ArrayList<>();
    if (row.extendedKeyUsages.contains(SERVER_AUTH)) {
      purposes.add("sslserver");
    }
    if (row.extendedKeyUsages.contains(CLIENT_AUTH)) {
      purposes.add("sslclient");
    }
    return purposes;
  }

  private void assertOpenSslAccepts(X509Certificate ca, X509Certificate leaf, String purpose)
      throws IOException, InterruptedException {
    Path caFile = Files.createTempFile(work, "ca-", ".pem");
    Path leafFile = Files.createTempFile(work, "leaf-", ".pem");
    Files.writeString(caFile, Pem.certificate(X509.encoded(ca)));
    Files.writeString(leafFile, Pem.certificate(X509.encoded(leaf)));
    List<String> command = new ArrayList<>(List.of("openssl", "verify", "-x509_strict"));
    if (!purpose.equals("any")) {
      command.addAll(List.of("-purpose", purpose));
    }
    command.addAll(List.of("-CAfile", caFile.toString(), leafFile.toString()));
    Process openssl = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, openssl.waitFor(), String.join(" ", command) + ":\n" + output);
    assertEquals(leafFile + ": OK", output.strip());
  }

  private static List<String> sans(X509Certificate certificate, int type) throws Exception {
    List<String> values = new ArrayList<>();
    if (certificate.getSubjectAlternativeNames() != null) {
      for (List<?> name : certificate.getSubjectAlternativeNames()) {
        if ((Integer) name.get(0) == type) {
          values.add((String) name.get(1));
        }
      }
    }
    return values;
  }

  private static byte[] keyIdentifier(X509Certificate certificate) throws Exception {
    SubjectPublicKeyInfo key =
        SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded());
    return MessageDigest.getInstance("SHA-1").digest(key.getPublicKeyData().getBytes());
  }

  private static byte[] subjectKeyIdentifier(X509Certificate certificate) {
    return X509.subjectKeyIdentifier(certificate);
  }

  private static byte[] authorityKeyIdentifier(X509Certificate certificate) {
    byte[] extension = certificate.getExtensionValue("2.5.29.35");
    return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
        .getKeyIdentifierOctets();
  }
}
