package dev.signet.csrsigner;

import static dev.signet.csrsigner.KubeletCsr.KUBELET_CLIENT;
import static dev.signet.csrsigner.KubeletCsr.KUBELET_SERVING;
import static dev.signet.csrsigner.KubeletCsrs.CLIENT_USAGES;
import static dev.signet.csrsigner.KubeletCsrs.SERVING_USAGES;
import static dev.signet.csrsigner.KubeletCsrs.pem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.Role;
import dev.signet.api.v1.TrustDomain;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.rpc.Profile;
import dev.signet.client.rpc.SignetClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * signet-csr-signer between a Kubernetes API server (fabric8's mock in CRUD mode: no kube-apiserver
 * binary exists here) and a real signetd over real mutual TLS, with a credential of role
 * csr-signer: approved kubelet CSRs signed into status.certificate, invalid ones Failed with
 * SignerValidationFailure, the ledger's request id making a second signing return the same
 * certificate, and the watch surviving the API server going away and coming back.
 */
class CsrSignerIT {
  private static final KubernetesCrudDispatcher STATE = new KubernetesCrudDispatcher();
  private static TestDaemon signetd;
  private static KubernetesMockServer apiServer;
  private static int apiPort;
  private static KubernetesClient kubernetes;
  private static SignetClient signet;
  private static CsrSigner signer;
  private static CsrController controller;

  @BeforeAll
  static void start() throws Exception {
    signetd = TestDaemon.start("csr-signer", new DaemonConfig());
    Path credential = signetd.credential(Role.ROLE_CSR_SIGNER, "signet-csr-signer");
    // a node Signet knows, registered with one address
    signetd.credential(Role.ROLE_NODE, "system:node:worker-2", "10.0.0.22");
    Path config = credential.resolve("signet.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "server: \"127.0.0.1:" + signetd.port() + "\"",
            "caBundle: " + signetd.operatorDirectory().resolve("ca.crt"),
            "certificate: client.crt",
            "key: client.key",
            ""));
    apiServer = apiServer(0);
    apiPort = apiServer.getPort();
    kubernetes = apiServer.createClient();
    signet = SignetClient.connect(CsrSignerCommand.settings(config));
    signer =
        new CsrSigner(
            kubernetes,
            signet,
            Set.of(KUBELET_CLIENT, KUBELET_SERVING),
            Optional.empty(),
            Clock.systemUTC());
    controller = new CsrController(kubernetes, signer, 2, Duration.ofMinutes(10));
    controller.start();
  }

  @AfterAll
  static void stop() throws Exception {
    controller.close();
    signet.close();
    kubernetes.close();
    apiServer.destroy();
    signetd.close();
  }

  /** An API server on {@code port} (0: a free one) whose state outlives it. */
  private static KubernetesMockServer apiServer(int port) {
    KubernetesMockServer server =
        new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), STATE, false);
    server.init(InetAddress.getLoopbackAddress(), port);
    return server;
  }

  private static CertificateSigningRequest create(CertificateSigningRequest csr) {
    return kubernetes.certificates().v1().certificateSigningRequests().resource(csr).create();
  }

  private static CertificateSigningRequest approve(String name) {
    return decide(name, "Approved");
  }

  /**
   * Adds an Approved or Denied condition as an approver would. Through the status: the mock API
   * server knows the status subresource, not approval.
   */
  private static CertificateSigningRequest decide(String name, String type) {
    CertificateSigningRequest csr = get(name);
    if (csr.getStatus() == null) {
      csr.setStatus(new CertificateSigningRequestStatus());
    }
    List<CertificateSigningRequestCondition> conditions =
        new ArrayList<>(csr.getStatus().getConditions());
    conditions.add(
        new CertificateSigningRequestConditionBuilder()
            .withType(type)
            .withStatus("True")
            .withReason("CsrSignerIT")
            .build());
    csr.getStatus().setConditions(conditions);
    return kubernetes.certificates().v1().certificateSigningRequests().resource(csr).updateStatus();
  }

  private static CertificateSigningRequest get(String name) {
    return kubernetes.certificates().v1().certificateSigningRequests().withName(name).get();
  }

  /** Waits (up to 60 s) until the CSR satisfies {@code done}. */
  private static CertificateSigningRequest await(
      String name, Predicate<CertificateSigningRequest> done) throws InterruptedException {
    for (int i = 0; i < 600; i++) {
      CertificateSigningRequest csr = get(name);
      if (csr != null && done.test(csr)) {
        return csr;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("CSR " + name + " did not get there: " + get(name));
  }

  private static boolean signed(CertificateSigningRequest csr) {
    return csr.getStatus() != null
        && csr.getStatus().getCertificate() != null
        && !csr.getStatus().getCertificate().isEmpty();
  }

  private static Optional<CertificateSigningRequestCondition> failed(
      CertificateSigningRequest csr) {
    return csr.getStatus() == null
        ? Optional.empty()
        : csr.getStatus().getConditions().stream()
            .filter(c -> c.getType().equals("Failed"))
            .findFirst();
  }

  private static X509Certificate certificate(CertificateSigningRequest csr) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(
                new ByteArrayInputStream(
                    Base64.getDecoder().decode(csr.getStatus().getCertificate())));
  }

  @Test
  void approvedKubeletCsrsAreSignedByTheTokensKubernetesCa() throws Exception {
    create(
        KubeletCsrs.object(
            "client-worker-1",
            KUBELET_CLIENT,
            pem("system:node:worker-1", List.of("system:nodes")),
            CLIENT_USAGES,
            3600));
    create(
        KubeletCsrs.object(
            "serving-worker-1",
            KUBELET_SERVING,
            pem("system:node:worker-1", List.of("system:nodes"), "dns:worker-1", "ip:10.0.0.21"),
            SERVING_USAGES,
            null));
    approve("client-worker-1");
    approve("serving-worker-1");
    CertificateSigningRequest client = await("client-worker-1", CsrSignerIT::signed);
    X509Certificate clientCertificate = certificate(client);
    assertEquals(
        "CN=system:node:worker-1,O=system:nodes",
        clientCertificate.getSubjectX500Principal().getName());
    // an hour from issuance; NotBefore is backdated 5 minutes before it
    assertEquals(
        Duration.ofHours(1).plusMinutes(5),
        Duration.between(
            clientCertificate.getNotBefore().toInstant(),
            clientCertificate.getNotAfter().toInstant()),
        "spec.expirationSeconds");
    X509Certificate kubernetesCa =
        signet.caBundles().get(TrustDomain.TRUST_DOMAIN_KUBERNETES).get(0);
    clientCertificate.verify(kubernetesCa.getPublicKey());

    X509Certificate serving = certificate(await("serving-worker-1", CsrSignerIT::signed));
    serving.verify(kubernetesCa.getPublicKey());
    assertEquals(
        List.of("serverAuth"),
        serving.getExtendedKeyUsage().stream()
            .map(oid -> oid.equals("1.3.6.1.5.5.7.3.1") ? "serverAuth" : oid)
            .toList());
    assertEquals(
        1,
        signetd
            .ledger()
            .count(
                "request_id = 'k8s-csr:" + get("serving-worker-1").getMetadata().getUid() + "'"));
  }

  @Test
  void invalidCsrsAreMarkedFailedAndNothingIsSigned() throws Exception {
    int before = signetd.ledger().count("1 = 1");
    create(
        KubeletCsrs.object(
            "serving-with-email",
            KUBELET_SERVING,
            pem("system:node:worker-3", List.of("system:nodes"), "dns:w3", "email:a@b.example"),
            SERVING_USAGES,
            null));
    create(
        KubeletCsrs.object(
            "client-wrong-usages",
            KUBELET_CLIENT,
            pem("system:node:worker-3", List.of("system:nodes")),
            List.of("client auth", "server auth"),
            null));
    // Signet's own rule: worker-2 is registered with 10.0.0.22 only
    create(
        KubeletCsrs.object(
            "serving-unregistered-address",
            KUBELET_SERVING,
            pem("system:node:worker-2", List.of("system:nodes"), "ip:10.0.0.99"),
            SERVING_USAGES,
            null));
    approve("serving-with-email");
    approve("client-wrong-usages");
    approve("serving-unregistered-address");
    CertificateSigningRequestCondition email =
        failed(await("serving-with-email", csr -> failed(csr).isPresent())).orElseThrow();
    assertEquals("SignerValidationFailure", email.getReason());
    assertEquals("Email subjectAltNames are not allowed", email.getMessage());
    assertEquals("True", email.getStatus());
    assertEquals(
        "usages did not match [client auth digital signature key encipherment]",
        failed(await("client-wrong-usages", csr -> failed(csr).isPresent()))
            .orElseThrow()
            .getMessage());
    CertificateSigningRequestCondition unregistered =
        failed(await("serving-unregistered-address", csr -> failed(csr).isPresent())).orElseThrow();
    assertEquals("SignerValidationFailure", unregistered.getReason());
    assertTrue(
        unregistered.getMessage().contains("registered with Signet for [10.0.0.22], not 10.0.0.99"),
        unregistered.getMessage());
    for (String name :
        List.of("serving-with-email", "client-wrong-usages", "serving-unregistered-address")) {
      assertNull(get(name).getStatus().getCertificate(), name + " has no certificate");
    }
    assertEquals(before, signetd.ledger().count("1 = 1"), "nothing signed");
    assertTrue(
        signetd.ledger().auditCount("caller = 'signet-csr-signer' AND decision = 'DENIED'") > 0);
  }

  @Test
  void onlyApprovedNotFailedCsrsOfItsSignerNamesAreItsBusiness() throws Exception {
    CertificateSigningRequest pending =
        create(
            KubeletCsrs.object(
                "pending",
                KUBELET_CLIENT,
                pem("system:node:worker-4", List.of("system:nodes")),
                CLIENT_USAGES,
                null));
    assertEquals(CsrSigner.Outcome.IGNORED, signer.handle(pending));
    CertificateSigningRequest denied = decide("pending", "Denied");
    assertEquals(CsrSigner.Outcome.IGNORED, signer.handle(denied));
    CertificateSigningRequest other =
        create(
            KubeletCsrs.object(
                "other-signer",
                "example.com/other",
                pem("system:node:worker-4", List.of("system:nodes")),
                CLIENT_USAGES,
                null));
    assertEquals(CsrSigner.Outcome.IGNORED, signer.handle(approve(other.getMetadata().getName())));
    assertNull(get("pending").getStatus().getCertificate());
    assertNull(get("other-signer").getStatus().getCertificate());
  }

  @Test
  void aCsrSignedTwiceGetsTheSameCertificate() throws Exception {
    create(
        KubeletCsrs.object(
            "twice",
            KUBELET_CLIENT,
            pem("system:node:worker-5", List.of("system:nodes")),
            CLIENT_USAGES,
            null));
    approve("twice");
    CertificateSigningRequest first = await("twice", CsrSignerIT::signed);
    String certificate = first.getStatus().getCertificate();
    // as if the status write had been lost: handled again from scratch
    first.getStatus().setCertificate(null);
    kubernetes.certificates().v1().certificateSigningRequests().resource(first).updateStatus();
    CertificateSigningRequest again = await("twice", CsrSignerIT::signed);
    assertEquals(certificate, again.getStatus().getCertificate(), "the same certificate");
    assertEquals(
        1,
        signetd.ledger().count("request_id = 'k8s-csr:" + again.getMetadata().getUid() + "'"),
        "signed once");
  }

  @Test
  void signetdRefusesALifetimeBelowKubernetesFloorAndSignsNothing() throws Exception {
    int before = signetd.ledger().count("1 = 1");
    SignetException refused =
        assertThrows(
            SignetException.class,
            () ->
                signet.issueForCsrApi(
                    Profile.KUBELET_CLIENT,
                    "worker-8",
                    List.of(),
                    KubeletCsrs.der(pem("system:node:worker-8", List.of("system:nodes"))),
                    "k8s-csr:short",
                    Duration.ofSeconds(599)));
    assertEquals(ExitCode.INVALID_REQUEST, refused.exitCode(), refused.getMessage());
    assertTrue(refused.getMessage().contains("at least 600"), refused.getMessage());
    assertEquals(before, signetd.ledger().count("1 = 1"), "nothing signed");
  }

  @Test
  void theWatchResumesAfterTheApiServerWentAway() throws Exception {
    apiServer.destroy();
    for (int i = 0; i < 600 && controller.watching(); i++) {
      Thread.sleep(100);
    }
    apiServer = apiServer(apiPort);
    create(
        KubeletCsrs.object(
            "after-disconnect",
            KUBELET_CLIENT,
            pem("system:node:worker-6", List.of("system:nodes")),
            CLIENT_USAGES,
            null));
    approve("after-disconnect");
    CertificateSigningRequest csr = await("after-disconnect", CsrSignerIT::signed);
    assertNotNull(certificate(csr));
    assertTrue(controller.watching());
  }
}
