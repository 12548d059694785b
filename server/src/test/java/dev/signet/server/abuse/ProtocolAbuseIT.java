package dev.signet.server.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.JoinRequest;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * HTTP/2 and gRPC framing abuse on both ports, real TLS on loopback: rapid reset (streams opened
 * and cancelled by the thousand) ends the connection with GOAWAY ENHANCE_YOUR_CALM; metadata and
 * messages over the limits are refused before any handler runs; honest callers are served after
 * each.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolAbuseIT {
  private static final String JOIN = BootstrapGrpc.getJoinMethod().getFullMethodName();

  private TestDaemon daemon;

  @BeforeAll
  void start() throws Exception {
    daemon = TestDaemon.start("protocol-abuse", new DaemonConfig());
  }

  @AfterAll
  void stop() throws Exception {
    daemon.close();
  }

  @Test
  void rapidResetEndsTheConnectionAndTheDaemonKeepsServing() throws Exception {
    int streams = 1000;
    int sent = 0;
    Optional<RawHttp2.GoAway> goAway;
    try (RawHttp2 attacker = RawHttp2.connect(daemon.enrollmentPort())) {
      try {
        for (int i = 0; i < streams; i++) {
          attacker.openAndReset(2 * i + 1, JOIN);
          sent++;
          if (i % 50 == 49) {
            attacker.flush();
          }
        }
        attacker.flush();
      } catch (java.io.IOException closedMidway) {
        // the daemon may end the connection before all are written
      }
      goAway = attacker.awaitGoAway(60_000);
    }
    System.out.printf(
        "rapid reset on the enrollment port: %d streams opened and reset; the daemon %s%n",
        sent,
        goAway.map(g -> "sent GOAWAY error " + g.errorCode() + " and closed").orElse("closed"));
    goAway.ifPresent(
        g -> assertEquals(RawHttp2.ENHANCE_YOUR_CALM, g.errorCode(), "GOAWAY ENHANCE_YOUR_CALM"));
    try (ApiClient honest = daemon.enrollmentClient()) {
      assertEquals(Status.Code.UNAUTHENTICATED, joinCode(honest, "x"), "then served again");
    }
  }

  @Test
  void oversizedMetadataIsRefusedBeforeAnyHandler() throws Exception {
    // 12 KiB of metadata (the limit is 8 KiB), in one HEADERS frame
    try (RawHttp2 client = RawHttp2.connect(daemon.enrollmentPort())) {
      client.openWithHeader(1, JOIN, "x-padding", "p".repeat(12 * 1024));
      int answer = client.awaitAnswer(1, 60_000);
      System.out.printf(
          "12 KiB of metadata on the enrollment port: the daemon answered with %s%n",
          answer == RawHttp2.HEADERS
              ? "a response HEADERS (an HTTP error status)"
              : answer == RawHttp2.RST_STREAM ? "RST_STREAM" : "GOAWAY");
    }
    try (ApiClient honest = daemon.enrollmentClient()) {
      assertEquals(Status.Code.UNAUTHENTICATED, joinCode(honest, "x"), "then served again");
    }
  }

  @Test
  void oversizedMessagesAreRefusedOnBothPorts() throws Exception {
    ByteString big = ByteString.copyFrom(new byte[128 * 1024]);
    StatusRuntimeException api =
        assertThrowsStatus(
            () ->
                daemon
                    .operator()
                    .issuance()
                    .issueKubeletClient(
                        IssueKubeletClientRequest.newBuilder()
                            .setCsrDer(big)
                            .setNodeName("big-1")
                            .build()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, api.getStatus().getCode(), api.getMessage());
    try (ApiClient client = daemon.enrollmentClient()) {
      StatusRuntimeException enrollment =
          assertThrowsStatus(
              () ->
                  client
                      .bootstrap()
                      .join(
                          JoinRequest.newBuilder().setToken("x").setCredentialCsrDer(big).build()));
      assertEquals(
          Status.Code.RESOURCE_EXHAUSTED,
          enrollment.getStatus().getCode(),
          enrollment.getMessage());
      assertEquals(Status.Code.UNAUTHENTICATED, joinCode(client, "x"), "then served again");
    }
    daemon
        .operator()
        .issuance()
        .issueKubeletClient(
            IssueKubeletClientRequest.newBuilder()
                .setCsrDer(Keys.csrBytes(Keys.ec()))
                .setNodeName("big-1")
                .build());
    System.out.println(
        "128 KiB messages (limit 64 KiB): RESOURCE_EXHAUSTED on both ports; both then served");
  }

  private static Status.Code joinCode(ApiClient client, String token) {
    try {
      client.bootstrap().join(JoinRequest.newBuilder().setToken(token).build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static StatusRuntimeException assertThrowsStatus(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }
}
