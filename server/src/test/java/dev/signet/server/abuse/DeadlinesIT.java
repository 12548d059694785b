package dev.signet.server.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.IssuanceGrpc;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.JoinRequest;
import dev.signet.api.v1.Role;
import dev.signet.server.grpc.RetryHint;
import dev.signet.server.grpc.ServerLoad;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Eventually;
import dev.signet.server.testing.HalfOpenCalls;
import dev.signet.server.testing.HalfOpenCalls.Ended;
import dev.signet.server.testing.HalfOpenCalls.Sends;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.Loopback;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Deadlines that bite (issue 11's attacks, reproduced): calls that never finish, on both ports, are
 * closed with DEADLINE_EXCEEDED at maxCallDuration and give back their slots, after which honest
 * callers are served; TLS handshakes that never finish and connections that never end cost bounded
 * time. One daemon with maxCallDuration 5 s, real TLS on loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeadlinesIT {
  private static final String JOIN = BootstrapGrpc.getJoinMethod().getFullMethodName();
  private static final String ISSUE_KUBELET_CLIENT =
      IssuanceGrpc.getIssueKubeletClientMethod().getFullMethodName();

  private TestDaemon daemon;

  @BeforeAll
  void start() throws Exception {
    daemon =
        TestDaemon.start(
            "deadlines",
            new DaemonConfig()
                .extra(
                    """
                    limits:
                      maxCallDuration: 5s
                      maxConcurrentCalls: 16
                      handshakeTimeout: 2s
                      maxConnectionIdle: 10s
                      maxConnectionAge: 10s
                      maxConnectionAgeGrace: 2s""")
                // the issue's reproduction: one client may take all 16 enrollment slots
                .enrollment("maxCallsPerPeer: 16", "callBurstPerPeer: 100"));
  }

  @AfterAll
  void stop() throws Exception {
    daemon.close();
  }

  @Test
  void halfOpenJoinStreamsAreClosedAtMaxCallDurationAndARealJoinThenSucceeds() throws Exception {
    try (ApiClient attacker = daemon.enrollmentClient();
        ApiClient node = daemon.enrollmentClient()) {
      long opened = System.nanoTime();
      // the issue's case: 20 header-only Join streams from one client (HEADERS, no DATA); and
      // 4 that send a message but never end their stream
      List<HalfOpenCalls.Held> held = new ArrayList<>();
      held.addAll(HalfOpenCalls.open(attacker.channel(), JOIN, 20, Sends.NOTHING));
      held.addAll(HalfOpenCalls.open(attacker.channel(), JOIN, 4, Sends.A_MESSAGE));
      Eventually.await(
          "the enrollment port's 16 slots taken by half-open streams",
          Duration.ofSeconds(30),
          () -> enrollmentLoad().callsInFlight() == 16);
      StatusRuntimeException busy =
          assertThrows(StatusRuntimeException.class, () -> join(node, "held-out-1"));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy.getStatus().getCode(), busy.getMessage());

      List<Ended> ended = HalfOpenCalls.awaitAll(held, 60);
      double seconds = (System.nanoTime() - opened) / 1e9;
      long deadlined =
          ended.stream().filter(e -> e.code() == Status.Code.DEADLINE_EXCEEDED).count();
      long refused = ended.stream().filter(e -> e.code() == Status.Code.RESOURCE_EXHAUSTED).count();
      // 16 were held at once (awaited above); on a slow machine the first may reach their
      // deadline before the last are opened, and those are then admitted too
      assertTrue(deadlined >= 16, "every admitted stream is closed at its deadline: " + ended);
      assertEquals(24, deadlined + refused, "the rest were refused at once: " + ended);
      assertEquals(0, enrollmentLoad().callsInFlight(), "every slot is free again");

      join(node, "after-half-open-1");
      System.out.printf(
          "half-open Join streams: 24 opened (20 headers only, 4 with a message and no end), %d"
              + " admitted and closed DEADLINE_EXCEEDED, %d refused RESOURCE_EXHAUSTED; all ended"
              + " %.1f s after opening (maxCallDuration 5 s); a real join then succeeded%n",
          deadlined, refused, seconds);
    }
  }

  @Test
  void halfOpenCallsOnTheApiPortAreClosedAtMaxCallDurationAndIssuanceThenSucceeds()
      throws Exception {
    try (ApiClient node =
            daemon.connectAs(Role.ROLE_NODE, "system:node:half-open-1", "192.0.2.61");
        ApiClient operatorAttack = daemonOperator()) {
      long opened = System.nanoTime();
      // the issue's case: 72 header-only calls from one node credential. It holds its share
      // (maxCallsPerCredential 2), the other 70 are refused at once, and the operator is served.
      List<HalfOpenCalls.Held> fromNode =
          HalfOpenCalls.open(node.channel(), ISSUE_KUBELET_CLIENT, 72, Sends.NOTHING);
      Eventually.await(
          "70 of the node's 72 calls refused",
          Duration.ofSeconds(30),
          () -> fromNode.stream().filter(call -> call.closed().isDone()).count() >= 70);
      assertTrue(
          daemon.daemon().serverLoad().api().callsInFlight() <= 2,
          "never more than the node's share in flight");
      daemon.operator().health().check(HealthCheckRequest.getDefaultInstance());

      // a ca-admin credential, which may use every slot: all 16 held, even the operator's own
      // next call is refused until the deadline frees them
      List<HalfOpenCalls.Held> fromAdmin =
          HalfOpenCalls.open(operatorAttack.channel(), ISSUE_KUBELET_CLIENT, 16, Sends.A_MESSAGE);
      Eventually.await(
          "the API's 16 slots taken by half-open calls",
          Duration.ofSeconds(30),
          () -> daemon.daemon().serverLoad().api().callsInFlight() == 16);
      StatusRuntimeException busy =
          assertThrows(
              StatusRuntimeException.class,
              () -> daemon.operator().health().check(HealthCheckRequest.getDefaultInstance()));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy.getStatus().getCode(), busy.getMessage());
      assertTrue(
          busy.getTrailers().containsKey(RetryHint.RETRY_AFTER_MS),
          "a refusal for lack of room carries a retry hint");

      List<Ended> nodeEnded = HalfOpenCalls.awaitAll(fromNode, 60);
      List<Ended> adminEnded = HalfOpenCalls.awaitAll(fromAdmin, 60);
      List<Ended> ended = Stream.concat(nodeEnded.stream(), adminEnded.stream()).toList();
      double seconds = (System.nanoTime() - opened) / 1e9;
      long deadlined =
          ended.stream().filter(e -> e.code() == Status.Code.DEADLINE_EXCEEDED).count();
      long refused = ended.stream().filter(e -> e.code() == Status.Code.RESOURCE_EXHAUSTED).count();
      // two at a time: on a slow machine the first may reach their deadline before the last of
      // the 72 are opened, and as many of those are then admitted in their place
      long nodeDeadlined =
          nodeEnded.stream().filter(e -> e.code() == Status.Code.DEADLINE_EXCEEDED).count();
      assertTrue(
          nodeDeadlined >= 2,
          "the node's admitted calls, two at a time, are closed at their deadline: " + nodeEnded);
      assertTrue(
          nodeEnded.stream()
              .filter(e -> e.code() == Status.Code.RESOURCE_EXHAUSTED)
              .allMatch(
                  e ->
                      e.status()
                          .getDescription()
                          .contains("system:node:half-open-1 already has 2 calls in flight")),
          "every other call of the node was refused for its share of two: " + nodeEnded);
      // the ca-admin got the slots the node's calls had not yet freed when it came: all 16 were
      // held at once (awaited above), so at least 16 calls in all were admitted
      assertTrue(deadlined >= 16, "every admitted call is closed at its deadline: " + ended);
      assertEquals(88, deadlined + refused, "the rest were refused at once: " + ended);
      assertTrue(
          ended.stream()
              .filter(e -> e.code() == Status.Code.RESOURCE_EXHAUSTED)
              .allMatch(e -> e.trailers().containsKey(RetryHint.RETRY_AFTER_MS)),
          "every refusal for lack of room carries a retry hint");
      assertEquals(0, daemon.daemon().serverLoad().api().callsInFlight(), "every slot is free");

      node.issuance()
          .issueKubeletClient(
              IssueKubeletClientRequest.newBuilder()
                  .setCsrDer(Keys.csrBytes(Keys.ec()))
                  .setNodeName("half-open-1")
                  .build());
      System.out.printf(
          "half-open API calls: 72 header-only from one node credential (%d admitted two at a"
              + " time, the rest refused RESOURCE_EXHAUSTED with retry-after-ms, the operator"
              + " served meanwhile), then 16 from a ca-admin; %d admitted in all and closed"
              + " DEADLINE_EXCEEDED; all ended %.1f s after opening (maxCallDuration 5 s); the"
              + " node's issuance then succeeded%n",
          nodeDeadlined, deadlined, seconds);
    }
  }

  @Test
  void aTlsHandshakeThatNeverFinishesIsCutOff() throws Exception {
    for (int port : List.of(daemon.port(), daemon.enrollmentPort())) {
      try (Socket silent = new Socket()) {
        silent.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        silent.setSoTimeout(60_000);
        long start = System.nanoTime();
        readUntilClosed(silent.getInputStream());
        System.out.printf(
            "port %d: a TCP connection that never starts TLS was closed after %.1f s"
                + " (handshakeTimeout 2 s)%n",
            port, (System.nanoTime() - start) / 1e9);
      }
    }
  }

  @Test
  void aTlsConnectionThatNeverSpeaksHttp2IsCutOff() throws Exception {
    // TLS done and h2 agreed by ALPN, then silence: no preface, no SETTINGS
    try (SSLSocket quiet = Loopback.tlsConnection("127.0.0.1", daemon.enrollmentPort())) {
      quiet.setSoTimeout(60_000);
      long start = System.nanoTime();
      readUntilClosed(quiet.getInputStream());
      System.out.printf(
          "enrollment port: a TLS connection that never sends the HTTP/2 preface was closed after"
              + " %.1f s (handshakeTimeout 2 s)%n",
          (System.nanoTime() - start) / 1e9);
    }
  }

  @Test
  void busyConnectionsAreReplacedAfterMaxConnectionAge() throws Exception {
    // calls every 200 ms keep the connection busy (never idle); it still ends at its age
    Set<SocketAddress> connections = new HashSet<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try (ApiClient operator = daemonOperator()) {
      while (connections.size() < 2 && System.nanoTime() < end) {
        var call =
            operator
                .channel()
                .newCall(
                    HealthGrpc.getCheckMethod(),
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
        io.grpc.stub.ClientCalls.blockingUnaryCall(call, HealthCheckRequest.getDefaultInstance());
        connections.add(call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR));
        Thread.sleep(200);
      }
    }
    assertTrue(
        connections.size() >= 2,
        "a connection kept busy was replaced (maxConnectionAge 10 s): " + connections);
    System.out.printf(
        "a busy API connection was replaced after its maximum age: %d connections seen%n",
        connections.size());
  }

  private ServerLoad.Port enrollmentLoad() {
    return daemon.daemon().serverLoad().enrollment().orElseThrow();
  }

  private ApiClient daemonOperator() throws Exception {
    return ApiClient.asOperator(daemon.directory(), daemon.port());
  }

  private void join(ApiClient enrollment, String nodeName) {
    String token =
        daemon
            .operator()
            .credentials()
            .createBootstrapToken(
                CreateBootstrapTokenRequest.newBuilder()
                    .setNodeName(nodeName)
                    .addAddresses("192.0.2.71")
                    .build())
            .getToken();
    enrollment
        .bootstrap()
        .join(
            JoinRequest.newBuilder()
                .setToken(token)
                .setNodeName(nodeName)
                .addAddresses("192.0.2.71")
                .setCredentialCsrDer(Keys.csrBytes(Keys.ec()))
                .build());
  }

  /**
   * Reads and discards until the server closes the connection (the end of the stream, or a reset);
   * fails with a SocketTimeoutException if it is still open after the socket's timeout.
   */
  private static void readUntilClosed(InputStream in) throws Exception {
    byte[] buffer = new byte[4096];
    try {
      while (in.read(buffer) >= 0) {
        // discard whatever the server says before it closes (an alert, SETTINGS, GOAWAY)
      }
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError("the server left the connection open for 60 s", e);
    } catch (SocketException e) {
      // a reset is a close too
    }
  }
}
