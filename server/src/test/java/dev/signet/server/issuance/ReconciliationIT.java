package dev.signet.server.issuance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.GetCrlRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.TrustDomain;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.LedgerRows;
import dev.signet.server.testing.TestToken;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash between signing and recording: the daemon cannot know whether the certificate got out, so
 * at its next start, before it serves, the intent becomes POSSIBLY_ISSUED, revoked and audited; the
 * serial is on the CRL and the client's retry under the same request id gets a new certificate.
 */
class ReconciliationIT {
  @TempDir Path temp;

  @Test
  void anInterruptedIssuanceIsSettledAtStartUpAndTheRetryGetsANewCertificate() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "reconcile");
    Path config = new DaemonConfig().writeTo(token);
    DaemonProcess.init(token, config);
    LedgerRows ledger = LedgerRows.of(token);
    ByteString csr = Keys.csrBytes(Keys.ec());
    IssueKubeletClientRequest request =
        IssueKubeletClientRequest.newBuilder()
            .setNodeName("crashed-1")
            .setRequestId("retry-after-crash")
            .setCsrDer(csr)
            .build();

    try (DaemonProcess crashing =
            DaemonProcess.serve(token, config, "-Dsignet.fault=issue.after-sign");
        ApiClient client = ApiClient.asOperator(token, crashing.port())) {
      StatusRuntimeException lost =
          assertThrows(
              StatusRuntimeException.class, () -> client.issuance().issueKubeletClient(request));
      assertEquals(Status.Code.UNAVAILABLE, lost.getStatus().getCode());
      assertEquals(
          137, crashing.awaitExit(Duration.ofSeconds(30)), "halted like kill -9 after signing");
    }
    String serial = ledger.serialOf("node_name = 'crashed-1'");
    assertEquals(
        1,
        ledger.count("serial = '" + serial + "' AND state = 'INTENT'"),
        "the crash left an intent");

    try (DaemonProcess restarted = DaemonProcess.serve(token, config);
        ApiClient client = ApiClient.asOperator(token, restarted.port())) {
      assertEquals(
          1,
          ledger.count(
              "serial = '" + serial + "' AND state = 'POSSIBLY_ISSUED' AND revoked_at IS NOT NULL"),
          "settled before serving");
      assertEquals(
          1, ledger.auditCount("serial = '" + serial + "' AND reason = 'POSSIBLY_ISSUED'"));

      IssueCertificateResponse retried = client.issuance().issueKubeletClient(request);
      assertNotEquals(serial, retried.getSerial(), "a new certificate under the same request id");
      assertEquals("retry-after-crash", retried.getRequestId());

      X509CRL crl = crlOf(client);
      assertTrue(
          crl.getRevokedCertificate(new BigInteger(serial, 16)) != null,
          "the possibly issued serial is revoked");
      assertEquals(null, crl.getRevokedCertificate(new BigInteger(retried.getSerial(), 16)));
    }

    try (DaemonProcess again = DaemonProcess.serve(token, config)) {
      assertEquals(
          1,
          ledger.auditCount("serial = '" + serial + "' AND reason = 'POSSIBLY_ISSUED'"),
          "settling is idempotent: a second start audits nothing new");
    }
  }

  private static X509CRL crlOf(ApiClient client) throws Exception {
    byte[] der =
        client
            .ledger()
            .getCrl(
                GetCrlRequest.newBuilder()
                    .setTrustDomain(TrustDomain.TRUST_DOMAIN_KUBERNETES)
                    .build())
            .getCrlDer()
            .toByteArray();
    return (X509CRL)
        CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
  }
}
