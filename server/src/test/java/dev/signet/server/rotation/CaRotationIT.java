package dev.signet.server.rotation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CaBundle;
import dev.signet.api.v1.CaState;
import dev.signet.api.v1.CaStatus;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.GetCaStatusRequest;
import dev.signet.api.v1.GetCrlRequest;
import dev.signet.api.v1.GetCrlResponse;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueEtcdHealthcheckClientRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.RotateCaRequest;
import dev.signet.api.v1.RotationPhase;
import dev.signet.api.v1.TrustDomain;
import dev.signet.common.Pem;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * CA rotation through the real daemon: prepare, activate, rollback, retire, what each does to
 * bundles and signing, its preconditions, its audit trail, and cross-signing judged by OpenSSL.
 */
class CaRotationIT {
  @Test
  void prepareActivateRollbackAndRetireTheKubernetesCa() throws Exception {
    try (TestDaemon daemon = TestDaemon.start("rotation", new DaemonConfig())) {
      ApiClient operator = daemon.operator();
      X509Certificate oldCa = bundle(operator, TrustDomain.TRUST_DOMAIN_KUBERNETES).get(0);
      IssueCertificateResponse beforeRotation = kubeletClient(operator, "before");

      CaStatus prepared =
          rotate(
              operator, TrustDomain.TRUST_DOMAIN_KUBERNETES, RotationPhase.ROTATION_PHASE_PREPARE);
      assertEquals(List.of(CaState.CA_STATE_ACTIVE, CaState.CA_STATE_PREPARED), states(prepared));
      List<X509Certificate> bundle = bundle(operator, TrustDomain.TRUST_DOMAIN_KUBERNETES);
      assertEquals(2, bundle.size(), "prepare: old and new trusted");
      assertArrayEquals(oldCa.getEncoded(), bundle.get(0).getEncoded(), "the old CA still signs");
      X509Certificate newCa = bundle.get(1);
      assertEquals(oldCa.getSubjectX500Principal(), newCa.getSubjectX500Principal());
      assertIssuedBy(kubeletClient(operator, "during-prepare"), oldCa);

      rotate(operator, TrustDomain.TRUST_DOMAIN_KUBERNETES, RotationPhase.ROTATION_PHASE_ACTIVATE);
      IssueCertificateResponse afterActivate = kubeletClient(operator, "after-activate");
      assertIssuedBy(afterActivate, newCa);
      assertEquals(
          List.of(ByteString.copyFrom(newCa.getEncoded()), ByteString.copyFrom(oldCa.getEncoded())),
          afterActivate.getCaBundleDerList(),
          "activate: new first, old still trusted");

      rotate(operator, TrustDomain.TRUST_DOMAIN_KUBERNETES, RotationPhase.ROTATION_PHASE_ROLLBACK);
      assertIssuedBy(kubeletClient(operator, "after-rollback"), oldCa);
      rotate(operator, TrustDomain.TRUST_DOMAIN_KUBERNETES, RotationPhase.ROTATION_PHASE_ACTIVATE);

      StatusRuntimeException tooEarly =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  rotate(
                      operator,
                      TrustDomain.TRUST_DOMAIN_KUBERNETES,
                      RotationPhase.ROTATION_PHASE_RETIRE));
      assertEquals(Status.Code.FAILED_PRECONDITION, tooEarly.getStatus().getCode());
      assertTrue(
          tooEarly
              .getStatus()
              .getDescription()
              .contains("unexpired certificates issued by the previous CA"),
          tooEarly.getStatus().getDescription());

      // The daemon restarts mid-rotation: the state is in the ledger, not in memory.
      daemon.stop();
      daemon.restart();
      ApiClient client = daemon.operator();
      assertIssuedBy(kubeletClient(client, "after-restart"), newCa);
      CaStatus forced =
          client
              .ca()
              .rotateCa(
                  RotateCaRequest.newBuilder()
                      .setTrustDomain(TrustDomain.TRUST_DOMAIN_KUBERNETES)
                      .setPhase(RotationPhase.ROTATION_PHASE_RETIRE)
                      .setForce(true)
                      .build());
      assertEquals(List.of(CaState.CA_STATE_RETIRED, CaState.CA_STATE_ACTIVE), states(forced));
      assertEquals(
          List.of(newCa),
          bundle(client, TrustDomain.TRUST_DOMAIN_KUBERNETES),
          "retire: only the new CA");
      assertEquals(
          1,
          daemon
              .ledger()
              .auditCount(
                  "action = 'ca-rotate' AND reason = 'CA_RETIRE' AND detail LIKE '%forced%'"));
      assertEquals(
          2, daemon.ledger().auditCount("action = 'ca-rotate' AND reason = 'CA_ACTIVATE'"));
      assertEquals(
          1, daemon.ledger().auditCount("action = 'ca-rotate' AND reason = 'CA_ROLLBACK'"));
      assertTrue(beforeRotation.getSerial().length() > 0);
    }
  }

  @Test
  void retireWaitsForTheOldCasCertificatesToGoAway() throws Exception {
    try (TestDaemon daemon = TestDaemon.start("retire", new DaemonConfig())) {
      ApiClient operator = daemon.operator();
      IssueCertificateResponse old = kubeletClient(operator, "old-node");
      rotate(operator, TrustDomain.TRUST_DOMAIN_KUBERNETES, RotationPhase.ROTATION_PHASE_PREPARE);
      rotate(operator, TrustDomain.TRUST_DOMAIN_KUBERNETES, RotationPhase.ROTATION_PHASE_ACTIVATE);
      CaStatus status =
          operator
              .ca()
              .getCaStatus(
                  GetCaStatusRequest.newBuilder()
                      .setTrustDomain(TrustDomain.TRUST_DOMAIN_KUBERNETES)
                      .build());
      assertTrue(
          status.getGenerations(0).getLiveCertificates() >= 1,
          "the old CA's certificates are counted");

      // revoke what the old CA issued (init's credentials live under signet-api, not here)
      for (String serial :
          daemon
              .ledger()
              .serials(
                  "trust_domain = 'KUBERNETES' AND issuer_key_id <> '"
                      + keyId(status.getGenerations(1).getCertificateDer())
                      + "' AND state = 'ISSUED'")) {
        operator
            .ledger()
            .revoke(RevokeRequest.newBuilder().setSerial(serial).setWaitForCrl(true).build());
      }
      // The old CA's revocations are in its own CRL, which stays available while it is trusted.
      X509Certificate oldCa =
          X509.parse(status.getGenerations(0).getCertificateDer().toByteArray());
      X509Certificate newCa =
          X509.parse(status.getGenerations(1).getCertificateDer().toByteArray());
      GetCrlResponse oldCrl = crl(operator, 1);
      assertEquals(1, oldCrl.getGeneration());
      assertTrue(
          revokedSerials(oldCrl, oldCa).contains(new BigInteger(old.getSerial(), 16)),
          "the old CA's CRL lists it");
      GetCrlResponse activeCrl = crl(operator, 0);
      assertEquals(2, activeCrl.getGeneration());
      assertEquals(Set.of(), revokedSerials(activeCrl, newCa), "the new CA revoked nothing");

      CaStatus retired =
          rotate(
              operator, TrustDomain.TRUST_DOMAIN_KUBERNETES, RotationPhase.ROTATION_PHASE_RETIRE);
      assertEquals(CaState.CA_STATE_RETIRED, retired.getGenerations(0).getState());
      assertEquals(0, retired.getGenerations(0).getLiveCertificates());
      StatusRuntimeException gone =
          assertThrows(StatusRuntimeException.class, () -> crl(operator, 1));
      assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
      assertTrue(
          gone.getStatus()
              .getDescription()
              .contains("generation 1 of the kubernetes CA is retired"),
          gone.getStatus().getDescription());
    }
  }

  private static GetCrlResponse crl(ApiClient client, int generation) {
    return client
        .ledger()
        .getCrl(
            GetCrlRequest.newBuilder()
                .setTrustDomain(TrustDomain.TRUST_DOMAIN_KUBERNETES)
                .setGeneration(generation)
                .build());
  }

  /** The serials a CRL lists, once its signature is checked with {@code ca}'s key. */
  private static Set<BigInteger> revokedSerials(GetCrlResponse response, X509Certificate ca)
      throws Exception {
    X509CRL crl =
        (X509CRL)
            CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(response.getCrlDer().toByteArray()));
    crl.verify(ca.getPublicKey());
    Set<? extends X509CRLEntry> entries = crl.getRevokedCertificates();
    return entries == null
        ? Set.of()
        : entries.stream().map(X509CRLEntry::getSerialNumber).collect(Collectors.toSet());
  }

  @Test
  void aCrossSignedCaIsAcceptedByClientsThatOnlyTrustTheOldOne() throws Exception {
    try (TestDaemon daemon = TestDaemon.start("crosssign", new DaemonConfig())) {
      ApiClient operator = daemon.operator();
      X509Certificate oldCa = bundle(operator, TrustDomain.TRUST_DOMAIN_ETCD).get(0);
      CaStatus prepared =
          operator
              .ca()
              .rotateCa(
                  RotateCaRequest.newBuilder()
                      .setTrustDomain(TrustDomain.TRUST_DOMAIN_ETCD)
                      .setPhase(RotationPhase.ROTATION_PHASE_PREPARE)
                      .setCrossSign(true)
                      .build());
      X509Certificate cross =
          X509.parse(prepared.getGenerations(1).getCrossCertificateDer().toByteArray());
      cross.verify(oldCa.getPublicKey());
      rotate(operator, TrustDomain.TRUST_DOMAIN_ETCD, RotationPhase.ROTATION_PHASE_ACTIVATE);

      IssueCertificateResponse leaf =
          operator
              .issuance()
              .issueEtcdHealthcheckClient(
                  IssueEtcdHealthcheckClientRequest.newBuilder()
                      .setCsrDer(Keys.csrBytes(Keys.ec()))
                      .build());
      assertEquals(
          List.of(ByteString.copyFrom(cross.getEncoded()), ByteString.copyFrom(oldCa.getEncoded())),
          leaf.getChainDerList(),
          "the chain leads to the old root through the cross certificate");

      Path work = Files.createTempDirectory("cross");
      Files.writeString(work.resolve("old-root.pem"), Pem.certificate(oldCa.getEncoded()));
      Files.writeString(work.resolve("cross.pem"), Pem.certificate(cross.getEncoded()));
      Files.writeString(
          work.resolve("leaf.pem"), Pem.certificate(leaf.getCertificateDer().toByteArray()));
      Files.writeString(
          work.resolve("new-root.pem"), Pem.certificate(leaf.getCaBundleDer(0).toByteArray()));
      assertEquals(
          "leaf.pem: OK",
          openssl(
              work, "verify", "-CAfile", "old-root.pem", "-untrusted", "cross.pem", "leaf.pem"));
      assertEquals("leaf.pem: OK", openssl(work, "verify", "-CAfile", "new-root.pem", "leaf.pem"));
    }
  }

  @Test
  void theSignetApiCaIsNotRotatedOnline() throws Exception {
    try (TestDaemon daemon = TestDaemon.start("apica", new DaemonConfig())) {
      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  rotate(
                      daemon.operator(),
                      TrustDomain.TRUST_DOMAIN_SIGNET_API,
                      RotationPhase.ROTATION_PHASE_PREPARE));
      assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    }
  }

  @Test
  void signetdCaRotatesAndShowsThroughTheRunningDaemon() throws Exception {
    try (TestDaemon daemon = TestDaemon.start("ca-cli", new DaemonConfig())) {
      DaemonProcess.Result status = signetdCa(daemon, "status", "etcd");
      assertEquals(0, status.exitCode(), status.stderr());
      assertEquals(
          1,
          status.stdout().lines().filter(line -> line.matches("1 +active .*")).count(),
          status.stdout());

      DaemonProcess.Result prepared =
          signetdCa(daemon, "rotate", "etcd", "--phase", "prepare", "--cross-sign");
      assertEquals(0, prepared.exitCode(), prepared.stderr());
      assertTrue(prepared.stdout().contains("etcd CA: prepare done"), prepared.stdout());
      assertTrue(
          prepared
              .stdout()
              .lines()
              .anyMatch(
                  line -> line.matches("2 +prepared .*\\(cross-signed by its predecessor\\)")),
          prepared.stdout());
      assertEquals(2, bundle(daemon.operator(), TrustDomain.TRUST_DOMAIN_ETCD).size());

      DaemonProcess.Result tooEarly = signetdCa(daemon, "rotate", "etcd", "--phase", "retire");
      assertEquals(7, tooEarly.exitCode(), tooEarly.stdout());
      assertTrue(
          tooEarly.stderr().contains("signetd refused ca rotate etcd --phase retire"),
          tooEarly.stderr());

      DaemonProcess.Result unknown =
          signetdCa(daemon, "rotate", "signet-api", "--phase", "prepare");
      assertEquals(2, unknown.exitCode(), unknown.stderr());

      DaemonProcess.Result activated = signetdCa(daemon, "rotate", "etcd", "--phase", "activate");
      assertEquals(0, activated.exitCode(), activated.stderr());
      assertTrue(
          activated.stdout().lines().anyMatch(line -> line.matches("1 +previous .*")),
          activated.stdout());
      assertTrue(
          activated.stdout().lines().anyMatch(line -> line.matches("2 +active .*")),
          activated.stdout());
      assertEquals(
          1,
          daemon
              .ledger()
              .auditCount(
                  "action = 'ca-rotate' AND reason = 'CA_ACTIVATE' AND caller = 'operator'"));

      int port = daemon.port();
      daemon.stop();
      DaemonProcess.Result away =
          daemon.signetd(
              "ca",
              "status",
              "etcd",
              "-c",
              daemon.config().toString(),
              "--server",
              "127.0.0.1:" + port);
      assertEquals(75, away.exitCode(), away.stdout());
    }
  }

  private static DaemonProcess.Result signetdCa(TestDaemon daemon, String... args)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("ca"));
    command.addAll(List.of(args));
    command.addAll(
        List.of("-c", daemon.config().toString(), "--server", "127.0.0.1:" + daemon.port()));
    return daemon.signetd(command.toArray(new String[0]));
  }

  private static CaStatus rotate(ApiClient client, TrustDomain domain, RotationPhase phase) {
    return client
        .ca()
        .rotateCa(RotateCaRequest.newBuilder().setTrustDomain(domain).setPhase(phase).build());
  }

  private static List<CaState> states(CaStatus status) {
    return status.getGenerationsList().stream().map(g -> g.getState()).toList();
  }

  private static List<X509Certificate> bundle(ApiClient client, TrustDomain domain) {
    for (CaBundle bundle :
        client.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance()).getBundlesList()) {
      if (bundle.getTrustDomain() == domain) {
        return bundle.getCertificatesDerList().stream()
            .map(der -> X509.parse(der.toByteArray()))
            .toList();
      }
    }
    throw new AssertionError("no bundle " + domain);
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

  private static void assertIssuedBy(IssueCertificateResponse issued, X509Certificate ca)
      throws Exception {
    X509.parse(issued.getCertificateDer().toByteArray()).verify(ca.getPublicKey());
  }

  private static String keyId(ByteString caDer) {
    return X509.hex(X509.subjectKeyIdentifier(X509.parse(caDer.toByteArray())));
  }

  private static String openssl(Path directory, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(arguments));
    Process process =
        new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    String output =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    process.waitFor();
    return output;
  }
}
