package dev.signet.server.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.base.CharMatcher;
import com.google.common.base.Splitter;
import com.google.protobuf.ByteString;
import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.JoinRequest;
import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.audit.RefusalAudit;
import dev.signet.server.grpc.RetryHint;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Eventually;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.Loopback;
import dev.signet.server.testing.TestDaemon;
import dev.signet.server.testing.TrustAll;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * The enrollment port under a flood, real TLS on loopback: per-peer connection and call-rate limits
 * (other sources still served), 2,000 idle TLS connections (an operator call and a join still
 * succeed), and 2,000 refused joins with 60 KiB node names (audit rows and bytes bounded, operator
 * issuance latency printed before and during). Each prints its figures; each is bounded in count
 * and time.
 */
class EnrollmentFloodIT {
  private static final String SIXTY_KIB = "n".repeat(60 * 1024);

  @Test
  void aPeerOverItsConnectionsOrCallRateIsRefusedAndOtherSourcesAreServed() throws Exception {
    try (TestDaemon daemon =
        TestDaemon.start(
            "peer-limits",
            new DaemonConfig()
                .enrollment(
                    "maxConnectionsPerPeer: 4",
                    "callsPerSecondPerPeer: 1",
                    "callBurstPerPeer: 5"))) {
      // connections: four from 127.0.0.1 complete their handshake, the fifth is closed at accept
      List<SSLSocket> held = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          held.add(Loopback.idleHttp2Connection("127.0.0.1", daemon.enrollmentPort()));
        }
        Eventually.await(
            "4 connections counted", Duration.ofSeconds(30), () -> load(daemon).connections() == 4);
        SSLSocket fifth =
            (SSLSocket) TrustAll.socketFactory().createSocket("127.0.0.1", daemon.enrollmentPort());
        fifth.setSoTimeout(30_000);
        boolean refused;
        try {
          fifth.startHandshake();
          refused = false;
        } catch (java.io.IOException closed) {
          refused = true;
        } finally {
          fifth.close();
        }
        assertTrue(refused, "a fifth connection from one source is closed before TLS");
        assertEquals(1, load(daemon).connectionsRefused());

        // another source is served meanwhile
        try (ApiClient other =
            Loopback.enrollmentClient(
                "127.0.0.2",
                daemon.enrollmentPort(),
                daemon.operatorDirectory().resolve("ca.crt"))) {
          assertEquals(Status.Code.UNAUTHENTICATED, badJoin(other, "worker-x"));
        }
      } finally {
        for (SSLSocket socket : held) {
          socket.close();
        }
      }
      // the daemon notices the closes on its own time (a busy machine's took long enough for
      // the next connection from 127.0.0.1 to be refused as a fifth)
      Eventually.await(
          "the held connections closed",
          Duration.ofSeconds(30),
          () -> load(daemon).connections() == 0);

      // calls: a burst of 5, then one a second; the sixth at once is refused with a hint
      try (ApiClient client = daemon.enrollmentClient()) {
        List<Status.Code> codes = new ArrayList<>();
        String hint = null;
        for (int i = 0; i < 8; i++) {
          try {
            client.bootstrap().join(JoinRequest.newBuilder().setToken("x").build());
            codes.add(Status.Code.OK);
          } catch (StatusRuntimeException e) {
            codes.add(e.getStatus().getCode());
            if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
              hint = e.getTrailers().get(RetryHint.RETRY_AFTER_MS);
            }
          }
        }
        assertTrue(
            codes.contains(Status.Code.RESOURCE_EXHAUSTED),
            "8 calls at once from one source exceed a burst of 5: " + codes);
        assertTrue(hint != null && Long.parseLong(hint) > 0, "with a retry hint: " + hint);
        System.out.printf(
            "per-peer limits: 4 connections from 127.0.0.1 accepted, the 5th closed before TLS;"
                + " 127.0.0.2 still served; 8 quick calls from one source: %s, retry-after-ms %s%n",
            codes, hint);
      }
      daemon.daemon().refusals().flush();
      assertTrue(
          auditRows(daemon, "TOO_MANY_PEER_CONNECTIONS") >= 1
              && auditRows(daemon, "RATE_LIMITED") >= 1,
          "both kinds of refusal are on the record");
    }
  }

  @Test
  void aSourceThatConnectsTooOftenOrIgnoresRetryHintsIsRefusedBeforeTlsAndOthersAreServed()
      throws Exception {
    try (TestDaemon daemon =
        TestDaemon.start(
            "shut-out",
            new DaemonConfig()
                .enrollment(
                    "connectionsPerSecondPerPeer: 0.1",
                    "connectionBurstPerPeer: 3",
                    "callsPerSecondPerPeer: 0.2",
                    "callBurstPerPeer: 2"))) {
      int port = daemon.enrollmentPort();
      Path caBundle = daemon.operatorDirectory().resolve("ca.crt");

      // connection rate: three TLS connections from 127.0.0.20 at once, the fourth is closed at
      // accept, before TLS
      for (int i = 0; i < 3; i++) {
        Loopback.tlsConnection("127.0.0.20", port).close();
      }
      assertTrue(closedBeforeTls("127.0.0.20", port), "a fourth connection at once is refused");
      try (ApiClient other = Loopback.enrollmentClient("127.0.0.21", port, caBundle)) {
        assertEquals(Status.Code.UNAUTHENTICATED, badJoin(other, "worker-y"));
      }

      // calls: 127.0.0.22 spends its burst of 2, then calls on regardless of the retry hint;
      // past 2 refusals (beyond what 0.2/s refills) it is disconnected and shut out for 2 / 0.2 s
      List<Status.Code> codes = new ArrayList<>();
      try (ApiClient flooder = Loopback.enrollmentClient("127.0.0.22", port, caBundle)) {
        for (int i = 0; i < 40 && !codes.contains(Status.Code.UNAVAILABLE); i++) {
          codes.add(badJoin(flooder, "worker-z"));
        }
      }
      assertTrue(
          codes.contains(Status.Code.RESOURCE_EXHAUSTED) && codes.contains(Status.Code.UNAVAILABLE),
          "refused for its rate, then disconnected: " + codes);
      long shutOutAt = System.nanoTime();
      assertTrue(closedBeforeTls("127.0.0.22", port), "a shut-out source's connection is refused");
      try (ApiClient other = Loopback.enrollmentClient("127.0.0.23", port, caBundle)) {
        assertEquals(Status.Code.UNAUTHENTICATED, badJoin(other, "worker-w"), "others served");
      }
      // once its budget has refilled, the source is served again
      Eventually.await(
          "127.0.0.22 served again after its shut-out",
          Duration.ofSeconds(60),
          () -> served("127.0.0.22", port, caBundle));
      System.out.printf(
          "connection rate: 3 connections from 127.0.0.20, the 4th closed before TLS; a source"
              + " ignoring retry hints got %s, then its connections were closed before TLS,"
              + " others served; served again %.1f s later%n",
          codes, (System.nanoTime() - shutOutAt) / 1e9);
      daemon.daemon().refusals().flush();
      assertTrue(
          auditRows(daemon, "CONNECTION_RATE_LIMITED") >= 1 && auditRows(daemon, "SHUT_OUT") >= 1,
          "both kinds of refusal are on the record");
    }
  }

  /** Whether a join from {@code source} on a new connection is answered (and refused). */
  private static boolean served(String source, int port, Path caBundle) {
    try (ApiClient client = Loopback.enrollmentClient(source, port, caBundle)) {
      return badJoin(client, "worker-z") == Status.Code.UNAUTHENTICATED;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a TLS connection from {@code source} is closed before its handshake completes. */
  private static boolean closedBeforeTls(String source, int port) {
    try {
      Loopback.tlsConnection(source, port).close();
      return false;
    } catch (Exception closed) {
      return true;
    }
  }

  @Test
  void twoThousandIdleTlsConnectionsLeaveTheDaemonServing() throws Exception {
    int connections = 2000;
    long limit = openFileLimit();
    // each connection is two descriptors in this JVM (the client's and the daemon's end)
    assertTrue(
        limit >= 2L * connections + 1024,
        "this test needs "
            + (2L * connections + 1024)
            + " open files; the soft limit is "
            + limit
            + " (bin/test raises it to the hard limit; or run `ulimit -n 8192` first)");
    try (TestDaemon daemon =
        TestDaemon.start(
            "idle-connections",
            new DaemonConfig().enrollment("maxConnections: 4096", "maxConnectionsPerPeer: 4096"))) {
      List<SSLSocket> idle = Collections.synchronizedList(new ArrayList<>());
      ExecutorService openers = Executors.newFixedThreadPool(4);
      long start = System.nanoTime();
      try {
        List<Future<?>> opened = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          opened.add(
              openers.submit(
                  () -> {
                    for (int i = 0; i < connections / 4; i++) {
                      idle.add(Loopback.idleHttp2Connection("127.0.0.1", daemon.enrollmentPort()));
                    }
                    return null;
                  }));
        }
        for (Future<?> future : opened) {
          future.get(300, TimeUnit.SECONDS);
        }
        double openSeconds = (System.nanoTime() - start) / 1e9;
        Eventually.await(
            connections + " connections open",
            Duration.ofSeconds(60),
            () -> load(daemon).connections() >= connections);

        long callStart = System.nanoTime();
        daemon
            .operator()
            .issuance()
            .issueKubeletClient(
                IssueKubeletClientRequest.newBuilder()
                    .setCsrDer(Keys.csrBytes(Keys.ec()))
                    .setNodeName("while-idle-1")
                    .build());
        double callMillis = (System.nanoTime() - callStart) / 1e6;
        try (ApiClient node = daemon.enrollmentClient()) {
          join(daemon, node, "joined-while-idle-1");
        }
        System.out.printf(
            "%d idle TLS connections to the enrollment port (opened in %.1f s, %d open files in"
                + " the test JVM, limit %d): an operator issuance took %.0f ms and a join"
                + " succeeded%n",
            idle.size(), openSeconds, openFiles(), limit, callMillis);
      } finally {
        openers.shutdownNow();
        synchronized (idle) {
          for (SSLSocket socket : idle) {
            socket.close();
          }
        }
      }
    }
  }

  @Test
  void twoThousandBadJoinsWithHugeNamesCostBoundedAuditAndLittleLatency() throws Exception {
    int badJoins = 2000;
    try (TestDaemon daemon =
        TestDaemon.start(
            "bad-joins",
            new DaemonConfig()
                // let every bad join through the per-peer limits: what is measured is the join
                // path and its audit
                .enrollment(
                    "callsPerSecondPerPeer: 10000",
                    "callBurstPerPeer: 100000",
                    "maxCallsPerPeer: 16"))) {
      Path ledger = daemon.directory().resolve("ledger.db");
      long auditBefore = auditCount(daemon);
      long bytesBefore = ledgerBytes(ledger);
      List<Long> before = issueRepeatedly(daemon, 40);

      AtomicBoolean flooding = new AtomicBoolean(true);
      List<Long> during = Collections.synchronizedList(new ArrayList<>());
      ExecutorService threads = Executors.newFixedThreadPool(9);
      List<ManagedChannel> channels = new ArrayList<>();
      AtomicInteger sent = new AtomicInteger();
      long start = System.nanoTime();
      try {
        Future<?> operator =
            threads.submit(
                () -> {
                  while (flooding.get()) {
                    during.addAll(issueRepeatedly(daemon, 1));
                  }
                  return null;
                });
        List<Future<?>> flood = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          ManagedChannel channel =
              Loopback.enrollmentChannel(
                  "127.0.0." + (10 + t % 4),
                  daemon.enrollmentPort(),
                  daemon.operatorDirectory().resolve("ca.crt"));
          channels.add(channel);
          int thread = t;
          flood.add(
              threads.submit(
                  () -> {
                    var stub = BootstrapGrpc.newBlockingStub(channel);
                    for (int i = 0; i < badJoins / 8; i++) {
                      JoinRequest.Builder join =
                          JoinRequest.newBuilder().setNodeName(SIXTY_KIB).addAddresses("10.0.0.1");
                      // half malformed tokens, half well-formed ones nobody issued
                      join.setToken(
                          (i + thread) % 2 == 0 ? "not-a-token" : "abcdefgh." + "a".repeat(32));
                      try {
                        stub.withDeadlineAfter(60, TimeUnit.SECONDS).join(join.build());
                      } catch (StatusRuntimeException e) {
                        sent.incrementAndGet();
                        if (e.getStatus().getCode() != Status.Code.UNAUTHENTICATED
                            && e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT
                            && e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
                          throw e;
                        }
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> future : flood) {
          future.get(300, TimeUnit.SECONDS);
        }
        double floodSeconds = (System.nanoTime() - start) / 1e9;
        flooding.set(false);
        operator.get(60, TimeUnit.SECONDS);
        daemon.daemon().refusals().flush();

        long rows = joinRefusalRows(daemon, auditBefore);
        long grown = ledgerBytes(ledger) - bytesBefore;
        long counted = countedRefusals(daemon, auditBefore);
        System.out.printf(
            "%d bad joins with 60 KiB node names in %.1f s from 4 sources: %d audit events"
                + " written (accounting for %d refusals), longest audit field %d characters,"
                + " ledger grew %d bytes; operator issuance p50/p99 before %s / %s ms, during"
                + " %s / %s ms (%d calls)%n",
            sent.get(),
            floodSeconds,
            rows,
            counted,
            longestAuditField(daemon, auditBefore),
            grown,
            millis(before, 0.5),
            millis(before, 0.99),
            millis(during, 0.5),
            millis(during, 0.99),
            during.size());
        assertEquals(badJoins, sent.get(), "every bad join was answered with a refusal");
        // two kinds (malformed token, oversized name) from 4 sources: a first event and one with
        // the count each, per interval (1 minute; the flood may straddle one boundary)
        assertTrue(
            rows <= 2 * 2 * 4 * 2,
            "refusals cost at most 2 events per source and reason per interval: " + rows);
        assertEquals(badJoins, counted, "every refusal is accounted for in the audit trail");
        assertTrue(
            longestAuditField(daemon, auditBefore) <= RefusalAudit.MAX_FIELD + 40,
            "no field of an unauthenticated refusal is longer than the bound");
        // the file and its write-ahead log, which alone grows to about 4 MB (SQLite checkpoints
        // it at 1,000 pages) whatever is written; the 2,000 names, unbounded, would be 120 MB
        assertTrue(grown < 16L * 1024 * 1024, "the ledger grew by " + grown + " bytes");
        AuditVerifier.Report chain =
            AuditVerifier.verify(
                daemon.daemon().database(), AuditVerifier.Expectations.structure());
        assertTrue(chain.intact(), "the aggregated events are on an intact chain: " + chain);
      } finally {
        flooding.set(false);
        threads.shutdownNow();
        for (ManagedChannel channel : channels) {
          channel.shutdownNow();
        }
      }
    }
  }

  private static dev.signet.server.grpc.ServerLoad.Port load(TestDaemon daemon) {
    return daemon.daemon().serverLoad().enrollment().orElseThrow();
  }

  private static Status.Code badJoin(ApiClient client, String node) {
    try {
      client
          .bootstrap()
          .join(
              JoinRequest.newBuilder()
                  .setToken("abcdefgh." + "b".repeat(32))
                  .setNodeName(node)
                  .addAddresses("10.0.0.9")
                  .build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private static void join(TestDaemon daemon, ApiClient enrollment, String nodeName) {
    String token =
        daemon
            .operator()
            .credentials()
            .createBootstrapToken(
                CreateBootstrapTokenRequest.newBuilder()
                    .setNodeName(nodeName)
                    .addAddresses("192.0.2.91")
                    .build())
            .getToken();
    enrollment
        .bootstrap()
        .join(
            JoinRequest.newBuilder()
                .setToken(token)
                .setNodeName(nodeName)
                .addAddresses("192.0.2.91")
                .setCredentialCsrDer(Keys.csrBytes(Keys.ec()))
                .build());
  }

  /** Issues {@code count} kubelet client certificates as the operator; their latencies (ns). */
  private static List<Long> issueRepeatedly(TestDaemon daemon, int count) {
    List<Long> latencies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ByteString csr = Keys.csrBytes(Keys.ec());
      long start = System.nanoTime();
      daemon
          .operator()
          .issuance()
          .issueKubeletClient(
              IssueKubeletClientRequest.newBuilder().setCsrDer(csr).setNodeName("op-1").build());
      latencies.add(System.nanoTime() - start);
    }
    return latencies;
  }

  private static String millis(List<Long> nanos, double quantile) {
    List<Long> sorted;
    synchronized (nanos) {
      sorted = new ArrayList<>(nanos);
    }
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return "-";
    }
    int index = (int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1);
    return String.format("%.1f", sorted.get(Math.max(0, index)) / 1e6);
  }

  private static long joinRefusalRows(TestDaemon daemon, long afterSeq) throws Exception {
    return query(
        daemon,
        "SELECT COUNT(*) FROM audit_events WHERE seq > ? AND LOWER(action) = 'join'"
            + " AND decision = 'REJECTED'",
        afterSeq);
  }

  private static long auditCount(TestDaemon daemon) throws Exception {
    return query(daemon, "SELECT MAX(seq) FROM audit_events", 0);
  }

  private static long auditRows(TestDaemon daemon, String reason) throws Exception {
    try (Connection connection = connect(daemon);
        PreparedStatement statement =
            connection.prepareStatement("SELECT COUNT(*) FROM audit_events WHERE reason = ?")) {
      statement.setString(1, reason);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  private static long longestAuditField(TestDaemon daemon, long afterSeq) throws Exception {
    return query(
        daemon,
        "SELECT MAX(MAX(LENGTH(caller), LENGTH(node_name), LENGTH(detail), LENGTH(reason),"
            + " LENGTH(token_id))) FROM audit_events WHERE seq > ? AND decision = 'REJECTED'",
        afterSeq);
  }

  /** Refusals the audit trail accounts for: one per first event, plus each "N more". */
  private static long countedRefusals(TestDaemon daemon, long afterSeq) throws Exception {
    Pattern more = Pattern.compile("^(\\d+) more refused from ");
    long counted = 0;
    try (Connection connection = connect(daemon);
        PreparedStatement statement =
            connection.prepareStatement(
                "SELECT detail FROM audit_events WHERE seq > ? AND LOWER(action) = 'join'"
                    + " AND decision = 'REJECTED'")) {
      statement.setLong(1, afterSeq);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          Matcher matcher = more.matcher(rows.getString(1));
          counted += matcher.find() ? Long.parseLong(matcher.group(1)) : 1;
        }
      }
    }
    return counted;
  }

  private static long query(TestDaemon daemon, String sql, long parameter) throws Exception {
    try (Connection connection = connect(daemon);
        PreparedStatement statement = connection.prepareStatement(sql)) {
      if (sql.contains("?")) {
        statement.setLong(1, parameter);
      }
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  private static Connection connect(TestDaemon daemon) throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + daemon.directory().resolve("ledger.db"));
  }

  /** The ledger file and its write-ahead log. */
  private static long ledgerBytes(Path ledger) throws Exception {
    Path wal = ledger.resolveSibling(ledger.getFileName() + "-wal");
    return Files.size(ledger) + (Files.exists(wal) ? Files.size(wal) : 0);
  }

  private static long openFileLimit() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        String soft =
            Splitter.on(CharMatcher.whitespace())
                .omitEmptyStrings()
                .split(line.substring("Max open files".length()))
                .iterator()
                .next();
        return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
      }
    }
    throw new IllegalStateException("no open-file limit in /proc/self/limits");
  }

  private static long openFiles() throws Exception {
    try (var files = Files.list(Path.of("/proc/self/fd"))) {
      return files.count();
    }
  }
}
