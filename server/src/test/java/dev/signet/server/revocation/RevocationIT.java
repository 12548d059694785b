package dev.signet.server.revocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.signet.api.v1.CertificateRecord;
import dev.signet.api.v1.CertificateState;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.GetCertificateRequest;
import dev.signet.api.v1.GetCrlRequest;
import dev.signet.api.v1.GetCrlResponse;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.ListCertificatesResponse;
import dev.signet.api.v1.Profile;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.RevokeResponse;
import dev.signet.api.v1.Role;
import dev.signet.api.v1.TrustDomain;
import dev.signet.common.Pem;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import dev.signet.server.x509.X509;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Revocation over the real API, CRLs signed in a real token and judged by OpenSSL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RevocationIT {
  private TestDaemon daemon;
  private ApiClient operator;

  @BeforeAll
  void start() throws Exception {
    daemon = TestDaemon.start("revocation", new DaemonConfig());
    operator = daemon.operator();
  }

  @AfterAll
  void stop() throws Exception {
    daemon.close();
  }

  @Test
  void aRevokedCertificateIsOnTheNextCrlWithItsReasonAndOpenSslRefusesIt() throws Exception {
    IssueCertificateResponse issued = kubeletClient(operator, "crl-node");
    IssueCertificateResponse untouched = kubeletClient(operator, "crl-node-2");

    RevokeResponse revoked =
        operator
            .ledger()
            .revoke(
                RevokeRequest.newBuilder()
                    .setSerial(issued.getSerial())
                    .setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE)
                    .setWaitForCrl(true)
                    .build());
    assertTrue(revoked.getCrlNumber() > 0);
    assertTrue(revoked.getCertificate().hasRevokedAt());

    GetCrlResponse crl =
        operator
            .ledger()
            .getCrl(
                GetCrlRequest.newBuilder()
                    .setTrustDomain(TrustDomain.TRUST_DOMAIN_KUBERNETES)
                    .build());
    assertTrue(crl.getNumber() >= revoked.getCrlNumber());
    X509CRL parsed =
        (X509CRL)
            CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(crl.getCrlDer().toByteArray()));
    X509Certificate ca = X509.parse(issued.getChainDer(0).toByteArray());
    parsed.verify(ca.getPublicKey());
    X509CRLEntry entry = parsed.getRevokedCertificate(new BigInteger(issued.getSerial(), 16));
    assertTrue(entry != null, "the revoked serial is listed");
    assertEquals(java.security.cert.CRLReason.KEY_COMPROMISE, entry.getRevocationReason());
    assertEquals(null, parsed.getRevokedCertificate(new BigInteger(untouched.getSerial(), 16)));
    assertTrue(parsed.getNextUpdate().toInstant().isAfter(parsed.getThisUpdate().toInstant()));

    Path work = Files.createTempDirectory("crl");
    Files.writeString(work.resolve("ca.pem"), Pem.certificate(ca.getEncoded()));
    Files.writeString(
        work.resolve("crl.pem"),
        "-----BEGIN X509 CRL-----\n"
            + java.util.Base64.getMimeEncoder().encodeToString(crl.getCrlDer().toByteArray())
            + "\n-----END X509 CRL-----\n");
    Files.writeString(
        work.resolve("revoked.pem"), Pem.certificate(issued.getCertificateDer().toByteArray()));
    Files.writeString(
        work.resolve("good.pem"), Pem.certificate(untouched.getCertificateDer().toByteArray()));
    assertTrue(
        openssl(
                work,
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "crl.pem",
                "revoked.pem")
            .contains("certificate revoked"));
    assertTrue(
        openssl(
                work,
                "verify",
                "-crl_check",
                "-CAfile",
                "ca.pem",
                "-CRLfile",
                "crl.pem",
                "good.pem")
            .contains("good.pem: OK"));
    assertTrue(
        openssl(work, "crl", "-in", "crl.pem", "-noout", "-CAfile", "ca.pem")
            .contains("verify OK"));
  }

  @Test
  void aNodeMayRevokeItsOwnCertificatesOnly() throws Exception {
    try (ApiClient node = daemon.connectAs(Role.ROLE_NODE, "system:node:rev-1", "192.0.2.91");
        ApiClient other = daemon.connectAs(Role.ROLE_NODE, "system:node:rev-2", "192.0.2.92")) {
      IssueCertificateResponse own =
          node.issuance()
              .issueKubeletServing(
                  IssueKubeletServingRequest.newBuilder()
                      .setCsrDer(Keys.csrBytes(Keys.ec()))
                      .setNodeName("rev-1")
                      .addAddresses("192.0.2.91")
                      .build());
      StatusRuntimeException denied =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  other
                      .ledger()
                      .revoke(RevokeRequest.newBuilder().setSerial(own.getSerial()).build()));
      assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
      assertEquals(
          1,
          daemon
              .ledger()
              .auditCount(
                  "action = 'revoke' AND decision = 'DENIED' AND caller = 'system:node:rev-2' AND serial = '"
                      + own.getSerial()
                      + "'"));

      node.ledger()
          .revoke(
              RevokeRequest.newBuilder()
                  .setSerial(own.getSerial())
                  .setReason(RevocationReason.REVOCATION_REASON_SUPERSEDED)
                  .build());
      assertEquals(
          1,
          daemon.ledger().count("serial = '" + own.getSerial() + "' AND revoked_at IS NOT NULL"));
    }
  }

  @Test
  void aRevokedSignetCredentialIsRefusedOnItsOpenConnection() throws Exception {
    try (ApiClient auditor = daemon.connectAs(Role.ROLE_AUDITOR, "auditor-to-revoke")) {
      auditor.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance());
      String serial = daemon.ledger().serialOf("subject LIKE '%auditor-to-revoke%'");

      operator.ledger().revoke(RevokeRequest.newBuilder().setSerial(serial).build());

      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class,
              () -> auditor.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance()));
      assertEquals(
          Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), "same channel, next call");
      assertTrue(refused.getStatus().getDescription().contains("revoked"));
    }
  }

  @Test
  void auditorsListAndLookUpCertificatesPageByPage() throws Exception {
    Set<String> issued = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      issued.add(kubeletClient(operator, "listed-node").getSerial());
    }
    try (ApiClient auditor = daemon.connectAs(Role.ROLE_AUDITOR, "auditor-lister")) {
      List<String> seen = new ArrayList<>();
      String token = "";
      do {
        ListCertificatesResponse page =
            auditor
                .ledger()
                .listCertificates(
                    ListCertificatesRequest.newBuilder()
                        .setNodeName("listed-node")
                        .setProfile(Profile.PROFILE_KUBELET_CLIENT)
                        .setPageSize(2)
                        .setPageToken(token)
                        .build());
        assertTrue(page.getCertificatesCount() <= 2);
        page.getCertificatesList().forEach(record -> seen.add(record.getSerial()));
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      assertEquals(issued, new HashSet<>(seen));
      assertEquals(seen.size(), new HashSet<>(seen).size(), "no record twice across pages");

      ListCertificatesResponse none =
          auditor
              .ledger()
              .listCertificates(
                  ListCertificatesRequest.newBuilder()
                      .setNodeName("listed-node")
                      .setExpiringBefore(
                          Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                      .build());
      assertEquals(0, none.getCertificatesCount(), "nothing expires before now");

      CertificateRecord one =
          auditor
              .ledger()
              .getCertificate(
                  GetCertificateRequest.newBuilder().setSerial(issued.iterator().next()).build());
      assertEquals(CertificateState.CERTIFICATE_STATE_ISSUED, one.getState());
      assertEquals("listed-node", one.getNodeName());
      assertFalse(one.getCertificateDer().isEmpty());

      StatusRuntimeException unknown =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  auditor
                      .ledger()
                      .getCertificate(
                          GetCertificateRequest.newBuilder().setSerial("abc123").build()));
      assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
      StatusRuntimeException mayNotRevoke =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  auditor
                      .ledger()
                      .revoke(
                          RevokeRequest.newBuilder().setSerial(issued.iterator().next()).build()));
      assertEquals(Status.Code.PERMISSION_DENIED, mayNotRevoke.getStatus().getCode());
    }
  }

  private static IssueCertificateResponse kubeletClient(ApiClient client, String node) {
    return client
        .issuance()
        .issueKubeletClient(
            IssueKubeletClientRequest.newBuilder()
                .setCsrDer(Keys.csrBytes(Keys.ec()))
                .setNodeName(node)
                .build());
  }

  private static String openssl(Path directory, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(arguments));
    Process process =
        new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    return output;
  }
}
