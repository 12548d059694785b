package dev.signet.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.Checkpoint;
import dev.signet.api.v1.CreateCheckpointRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.Role;
import dev.signet.api.v1.WatchCheckpointsRequest;
import dev.signet.server.cli.Signetd;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The audit trail of a real daemon against someone who can write its database but cannot use the
 * token, on one engine (a subclass per engine). The daemon runs twice, a witness collects its
 * checkpoints (the Audit API's stream while it serves, {@code signetd audit checkpoint --export}
 * once it stopped); then each tampering is done to a copy of the ledger with plain SQL and {@code
 * signetd audit verify} must fail (exit 6) naming the first broken link, with the witness and,
 * where the database alone can tell, without it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AuditTamperingContract {
  /** Short, so that a missing recent checkpoint shows within seconds. */
  private static final long INTERVAL_SECONDS = 1;

  /** The engine under test: where the ledger is, how to copy it and to reach it with SQL. */
  interface Engine extends AutoCloseable {
    DaemonConfig ledger(DaemonConfig config, String url) throws Exception;

    String url(TestDaemon daemon);

    /** A copy of the ledger at {@code url}, which no daemon uses at the moment. */
    String copy(String url) throws Exception;

    Connection connect(String url) throws SQLException;
  }

  abstract Engine engine() throws Exception;

  private Engine engine;
  private TestDaemon daemon;
  private Path witness;
  private String pristine;
  private String older;
  private final List<String> streamed = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  void twoRunsOfADaemonWatchedByAWitness() throws Exception {
    engine = engine();
    DaemonConfig config = engine.ledger(withInterval(), null);
    daemon = TestDaemon.start("tampering", config);
    try (ApiClient auditor = daemon.connectAs(Role.ROLE_AUDITOR, "witness")) {
      // the witness follows the stream while the daemon serves
      StreamObserver<Checkpoint> follower =
          new StreamObserver<>() {
            @Override
            public void onNext(Checkpoint checkpoint) {
              streamed.add(checkpoint.getWitnessJson());
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          };
      dev.signet.api.v1.AuditGrpc.newStub(auditor.channel())
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .watchCheckpoints(WatchCheckpointsRequest.newBuilder().setFollow(true).build(), follower);
      // and so does signetd audit checkpoint --export --follow, beside the serving daemon
      List<String> followed = Collections.synchronizedList(new ArrayList<>());
      Thread follow =
          new Thread(
              () ->
                  Signetd.run(
                      configuration -> {
                        throw new IllegalStateException("--export needs no key store");
                      },
                      new PrintWriter(new Lines(followed), true),
                      new PrintWriter(new StringWriter(), true),
                      "audit",
                      "checkpoint",
                      "--export",
                      "--follow",
                      "-c",
                      daemon.config().toString()),
              "export-follow");
      follow.setDaemon(true);
      follow.start();
      try {
        issue(daemon.operator(), 3, "first-run");
        Checkpoint requested =
            auditor.audit().createCheckpoint(CreateCheckpointRequest.getDefaultInstance());
        await(streamed, requested.getWitnessJson(), "the stream");
        await(followed, requested.getWitnessJson(), "signetd audit checkpoint --export --follow");
        DaemonProcess.Result signed =
            daemon.signetd(
                "audit",
                "checkpoint",
                "-c",
                daemon.config().toString(),
                "--server",
                "127.0.0.1:" + daemon.port());
        assertEquals(0, signed.exitCode(), signed.stdout() + signed.stderr());
        await(streamed, signed.stdout().strip(), "the stream, a checkpoint signed on request");
      } finally {
        follow.interrupt();
        follow.join(60_000);
      }
      assertFalse(follow.isAlive(), "--follow ends when interrupted, its pool closed");
    }
    daemon.stop();
    older = engine.copy(engine.url(daemon));

    daemon.restart();
    issue(daemon.operator(), 3, "second-run");
    daemon.stop();
    DaemonProcess.Result export =
        daemon.signetd("audit", "checkpoint", "--export", "-c", daemon.config().toString());
    assertEquals(0, export.exitCode(), export.stderr());
    witness = daemon.directory().resolve("witness.jsonl");
    Files.writeString(witness, export.stdout(), StandardCharsets.UTF_8);
    List<String> exported = export.stdout().lines().toList();
    assertTrue(
        exported.containsAll(List.copyOf(streamed)),
        "the stream and the export give the same lines");
    pristine = engine.copy(engine.url(daemon));
  }

  @AfterAll
  void stop() throws Exception {
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void anUntouchedLedgerVerifiesWithAndWithoutTheWitness() throws Exception {
    String url = engine.copy(pristine);
    assertIntact(verify(url, false));
    DaemonProcess.Result withWitness = verify(url, true);
    assertIntact(withWitness);
    assertTrue(
        withWitness.stdout().contains("the ledger extends every checkpoint of the witness"),
        withWitness.stdout());
  }

  @Test
  void everyCheckpointDeletedAndTheChainRewrittenAndRehashed() throws Exception {
    String url = engine.copy(pristine);
    long head = head(url);
    tamper(
        url,
        connection -> {
          AuditTampering.deleteAllCheckpoints(connection);
          AuditTampering.rewriteFrom(connection, 2, "rewritten-node");
        });
    assertBroken(
        verify(url, false),
        1,
        "no signed checkpoint covers the chain of " + head + " events: checkpoint 1 is missing");
    assertBroken(
        verify(url, true),
        head,
        "event "
            + head
            + " does not match witnessed checkpoint "
            + newestNumber(pristine)
            + ": the events up to "
            + head
            + " were rewritten");
  }

  @Test
  void theTailCutAndTheHeadMovedBack() throws Exception {
    String url = engine.copy(pristine);
    long head = head(url);
    long cut = startOfSecondRun(url);
    tamper(
        url,
        connection -> {
          AuditTampering.truncateAfter(connection, cut);
          AuditTampering.deleteCheckpointsAfterEvent(connection, cut);
        });
    awaitStale(url);
    assertBroken(verify(url, false), cut, "and is no shutdown checkpoint");
    assertBroken(
        verify(url, true),
        cut,
        "the chain ends at event "
            + cut
            + ", before event "
            + head
            + " of witnessed checkpoint "
            + newestNumber(pristine));
  }

  @Test
  void anOlderCopyOfTheDatabaseReplayedAgainstANewerWitness() throws Exception {
    String url = engine.copy(older);
    long end = head(url);
    assertIntact(verify(url, false));
    assertBroken(
        verify(url, true),
        end,
        "the chain ends at event "
            + end
            + ", before event "
            + head(pristine)
            + " of witnessed checkpoint "
            + newestNumber(pristine)
            + ": events were removed, or this is an older copy of the ledger");
  }

  @Test
  void aCheckpointMissingFromTheChain() throws Exception {
    String url = engine.copy(pristine);
    tamper(url, connection -> AuditTampering.deleteCheckpoint(connection, 2));
    String why = "checkpoint 2 is missing: checkpoint 3 follows checkpoint 1";
    assertBroken(verify(url, false), seqOf(url, 3), why);
    assertBroken(verify(url, true), seqOf(url, 3), why);
  }

  @Test
  void theNewestCheckpointRemovedLeavesAStaleOne() throws Exception {
    String url = engine.copy(pristine);
    long newest = newestNumber(url);
    tamper(url, connection -> AuditTampering.deleteCheckpoint(connection, newest));
    awaitStale(url);
    assertBroken(verify(url, false), seqOf(url, newest - 1), "and is no shutdown checkpoint");
    assertBroken(
        verify(url, true),
        head(url),
        "witnessed checkpoint "
            + newest
            + " is missing from the ledger (its checkpoints end at "
            + (newest - 1)
            + ")");
  }

  /** Collects what is written, line by line. */
  private static final class Lines extends java.io.Writer {
    private final List<String> lines;
    private final StringBuilder current = new StringBuilder();

    Lines(List<String> lines) {
      this.lines = lines;
    }

    @Override
    public synchronized void write(char[] buffer, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        if (buffer[i] == '\n') {
          lines.add(current.toString());
          current.setLength(0);
        } else {
          current.append(buffer[i]);
        }
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /** Waits (at most 45 s) until {@code lines} holds {@code line}. */
  private static void await(List<String> lines, String line, String from) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    while (!lines.contains(line)) {
      assertTrue(System.nanoTime() < deadline, from + " delivers a checkpoint signed while open");
      Thread.sleep(100);
    }
  }

  private static DaemonConfig withInterval() {
    return new DaemonConfig().extra("audit:\n  checkpointInterval: " + INTERVAL_SECONDS + "s");
  }

  private static void issue(ApiClient client, int count, String prefix) throws Exception {
    for (int i = 0; i < count; i++) {
      client
          .issuance()
          .issueKubeletClient(
              IssueKubeletClientRequest.newBuilder()
                  .setCsrDer(Keys.csrBytes(Keys.ec()))
                  .setNodeName(prefix + "-" + i)
                  .build());
    }
  }

  private DaemonProcess.Result verify(String url, boolean withWitness) throws Exception {
    Path directory = Files.createTempDirectory(daemon.directory(), "case-");
    Path config = engine.ledger(withInterval(), url).writeTo(directory);
    List<String> args = new ArrayList<>(List.of("audit", "verify", "-c", config.toString()));
    if (withWitness) {
      args.addAll(List.of("--witness", witness.toString()));
    }
    return daemon.signetd(args.toArray(new String[0]));
  }

  private static void assertIntact(DaemonProcess.Result result) {
    assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
    assertTrue(result.stdout().contains("audit trail intact"), result.stdout());
  }

  private static void assertBroken(DaemonProcess.Result result, long seq, String why) {
    assertEquals(6, result.exitCode(), result.stdout() + result.stderr());
    assertTrue(
        result.stdout().contains("audit trail BROKEN at event " + seq + ": "), result.stdout());
    assertTrue(result.stdout().contains(why), "expected '" + why + "' in: " + result.stdout());
  }

  /** Waits until the newest checkpoint left is older than twice the interval, by the clock. */
  private void awaitStale(String url) throws Exception {
    Instant at = Instant.ofEpochMilli(query(url, "SELECT MAX(at) FROM audit_checkpoints"));
    Instant stale = at.plusSeconds(2 * INTERVAL_SECONDS).plusMillis(100);
    while (Instant.now().isBefore(stale)) {
      Thread.sleep(100);
    }
  }

  private long head(String url) throws Exception {
    return query(url, "SELECT seq FROM audit_head WHERE id = 1");
  }

  private long newestNumber(String url) throws Exception {
    return query(url, "SELECT MAX(number) FROM audit_checkpoints");
  }

  private long seqOf(String url, long number) throws Exception {
    return query(url, "SELECT seq FROM audit_checkpoints WHERE number = " + number);
  }

  /** The event the second run's start checkpoint covers: where the second run began. */
  private long startOfSecondRun(String url) throws Exception {
    return query(
        url, "SELECT seq FROM audit_checkpoints WHERE kind = 'start' ORDER BY number DESC LIMIT 1");
  }

  private long query(String url, String sql) throws Exception {
    try (Connection connection = engine.connect(url);
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      assertTrue(row.next(), sql);
      return row.getLong(1);
    }
  }

  @FunctionalInterface
  private interface Tampering {
    void apply(Connection connection) throws Exception;
  }

  private void tamper(String url, Tampering tampering) throws Exception {
    try (Connection connection = engine.connect(url)) {
      tampering.apply(connection);
    }
  }
}
