package dev.signet.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.Role;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A connection can outlive its credential: TLS checks the client certificate's validity once, at
 * the handshake, and a connection lives up to limits.maxConnectionAge (an hour by default). signetd
 * checks the validity again on every call, so an expired credential gets nothing more on the
 * connection it already has. Real mutual TLS on loopback, a node credential that lives one minute.
 */
class CredentialExpiryIT {
  private static final String NODE = "expiring-1";

  @Test
  void aCallOnAConnectionThatOutlivedItsCredentialIsRefusedAndAuditedAndNothingSigned()
      throws Exception {
    // init's own credentials (the daemon's, the operator's) keep the default lifetime
    try (TestDaemon daemon =
        TestDaemon.start(
            "expiry",
            new DaemonConfig(),
            new DaemonConfig().backdate("0s").apiCredentialValidity("1m"))) {
      Path credential = daemon.credential(Role.ROLE_NODE, Caller.NODE_PREFIX + NODE, "192.0.2.71");
      Instant notAfter =
          ApiClient.readCertificates(credential.resolve("client.crt"))[0].getNotAfter().toInstant();
      try (ApiClient node =
          ApiClient.connect(
              daemon.port(),
              daemon.operatorDirectory().resolve("ca.crt"),
              credential.resolve("client.crt"),
              credential.resolve("client.key"))) {
        // the handshake happens here, while the credential is valid
        node.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance());
        node.issueKubeletClient(NODE);

        // the event waited for is the credential's expiry, at most a minute away
        Duration left = Duration.between(Instant.now(), notAfter);
        assertTrue(left.compareTo(Duration.ofMinutes(2)) < 0, "a one-minute credential: " + left);
        Thread.sleep(Math.max(0, left.toMillis()) + 1_500);

        int rows = daemon.ledger().count("1 = 1");
        int events = daemon.ledger().auditCount("reason = 'CREDENTIAL_EXPIRED'");
        StatusRuntimeException refused =
            assertThrows(StatusRuntimeException.class, () -> node.issueKubeletClient(NODE));
        assertEquals(
            Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), refused.getMessage());
        assertTrue(
            refused.getStatus().getDescription().contains("expired at " + notAfter),
            refused.getMessage());
        assertEquals(rows, daemon.ledger().count("1 = 1"), "nothing signed, no intent recorded");
        assertEquals(
            events + 1,
            daemon.ledger().auditCount("reason = 'CREDENTIAL_EXPIRED'"),
            "the refusal is audited");
        System.out.printf(
            "a node credential that expired at %s was refused on the connection it had opened"
                + " while valid: %s%n",
            notAfter, refused.getStatus().getDescription());
      }
      // honest callers are served meanwhile, and the node with a new credential too
      daemon.operator().issueKubeletClient(NODE);
      try (ApiClient renewed =
          daemon.connectAs(Role.ROLE_NODE, Caller.NODE_PREFIX + NODE, "192.0.2.71")) {
        renewed.issueKubeletClient(NODE);
      }
    }
  }
}
