package dev.signet.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import dev.signet.common.audit.CheckpointStatement.Kind;
import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.keystore.SigningException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chain of signed checkpoints against someone with write access to the database (SQLite, a
 * software audit key, a clock the test sets): each way of removing or outdating evidence is found
 * and the report names the first broken link.
 */
class AuditCheckpointChainTest {
  private static final Duration INTERVAL = Duration.ofMinutes(5);

  @TempDir Path directory;
  private Database database;
  private String url;
  private JdbcAuditLog audit;
  private AuditCheckpointer checkpointer;
  private final SoftwareKey key = new SoftwareKey();
  private Instant now = Instant.parse("2026-03-01T10:00:00Z");

  /** An audit key held in memory, as a test may: the chain's logic is the same. */
  static final class SoftwareKey implements AuditKey {
    private final KeyPair pair;

    SoftwareKey() {
      try {
        pair = KeyAlgorithm.ECDSA_P256.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String keyId() {
      return HexFormat.of().formatHex(pair.getPublic().getEncoded(), 0, 20);
    }

    @Override
    public String signatureAlgorithm() {
      return "SHA256withECDSA";
    }

    @Override
    public PublicKey publicKey() {
      return pair.getPublic();
    }

    @Override
    public byte[] sign(byte[] data) throws SigningException {
      try {
        Signature signature = Signature.getInstance(signatureAlgorithm());
        signature.initSign(pair.getPrivate());
        signature.update(data);
        return signature.sign();
      } catch (GeneralSecurityException e) {
        throw SigningException.tokenFailure(e.getMessage(), e);
      }
    }
  }

  @BeforeEach
  void open() throws Exception {
    url = "jdbc:sqlite:" + directory.resolve("ledger.db");
    database = Database.open(new SignetdConfig.Ledger(url, Optional.empty(), Optional.empty()));
    audit = new JdbcAuditLog(database);
    checkpointer = newCheckpointer();
  }

  @AfterEach
  void close() {
    checkpointer.close();
    database.close();
  }

  private AuditCheckpointer newCheckpointer() {
    return new AuditCheckpointer(
        new JdbcAuditCheckpoints(database),
        key,
        new Clock() {
          @Override
          public Instant instant() {
            return now;
          }

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        });
  }

  @Test
  void aChainOfCheckpointsVerifiesAndEachNamesItsPredecessor() throws Exception {
    SignedCheckpoint first = eventsThenCheckpoint(3, Kind.START);
    SignedCheckpoint second = eventsThenCheckpoint(2, Kind.PERIODIC);
    SignedCheckpoint idle = eventsThenCheckpoint(0, Kind.PERIODIC);
    assertEquals(1, first.statement().number());
    assertEquals(first.statement().hash(), second.statement().previousHash());
    assertEquals(5, idle.statement().seq(), "an idle interval still gets its checkpoint");
    assertEquals(3, idle.statement().number());
    AuditVerifier.Report report = verify();
    assertTrue(report.intact(), report.toString());
    assertEquals(3, report.checkpoints());
    assertEquals(idle.statement(), report.newest().orElseThrow());
  }

  @Test
  void aMissingCheckpointIsNamed() throws Exception {
    eventsThenCheckpoint(2, Kind.START);
    eventsThenCheckpoint(2, Kind.PERIODIC);
    eventsThenCheckpoint(2, Kind.PERIODIC);
    tamper(connection -> AuditTampering.deleteCheckpoint(connection, 2));
    assertBroken("checkpoint 2 is missing: checkpoint 3 follows checkpoint 1");
    tamper(connection -> AuditTampering.deleteCheckpoint(connection, 1));
    assertBroken("checkpoint 1 is missing: the checkpoints start at 3");
  }

  @Test
  void noCheckpointAtAllIsFound() throws Exception {
    eventsThenCheckpoint(4, Kind.START);
    tamper(AuditTampering::deleteAllCheckpoints);
    assertBroken("no signed checkpoint covers the chain of 4 events: checkpoint 1 is missing");
  }

  @Test
  void aRewrittenChainIsFoundByTheCheckpointsSignature() throws Exception {
    eventsThenCheckpoint(5, Kind.START);
    tamper(connection -> AuditTampering.rewriteFrom(connection, 2, "someone-else"));
    assertBroken("the signed checkpoint 1 at event 5 does not match the chain");
  }

  @Test
  void aForgedCheckpointIsFound() throws Exception {
    eventsThenCheckpoint(2, Kind.START);
    tamper(
        connection -> {
          try (var statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE audit_checkpoints SET signature = 'AAAA'");
          }
        });
    assertBroken("checkpoint 1 (event 2) is not signed by the audit key");
  }

  @Test
  void theNewestCheckpointMustBeRecentUnlessTheDaemonStopped() throws Exception {
    eventsThenCheckpoint(2, Kind.START);
    now = now.plus(INTERVAL.multipliedBy(2));
    assertTrue(verify().intact(), "exactly twice the interval is still recent");
    now = now.plusMillis(1);
    assertBroken("the newest checkpoint, 1 (event 2, 2026-03-01T10:00:00Z), is older than twice");

    eventsThenCheckpoint(0, Kind.SHUTDOWN);
    now = now.plus(Duration.ofDays(30));
    assertTrue(verify().intact(), "a stopped daemon's last checkpoint may be old");
    tamper(connection -> AuditTampering.deleteCheckpoint(connection, 2));
    assertBroken("is no shutdown checkpoint");
  }

  @Test
  void eventsCutBehindTheDaemonsBackAreClaimedByItsNextCheckpoint() throws Exception {
    eventsThenCheckpoint(3, Kind.START);
    record(4);
    tamper(connection -> AuditTampering.truncateAfter(connection, 4));
    assertTrue(verify().intact(), "cut after the newest checkpoint, with the head moved: silent");
    checkpointer.checkpoint(Kind.PERIODIC);
    assertBroken(
        "checkpoint 2 covers event 7, beyond the chain's last event 4: events were removed");
  }

  @Test
  void checkpointsRemovedBehindTheDaemonsBackLeaveAGapAtItsNextOne() throws Exception {
    eventsThenCheckpoint(1, Kind.START);
    eventsThenCheckpoint(1, Kind.PERIODIC);
    eventsThenCheckpoint(1, Kind.PERIODIC);
    tamper(connection -> AuditTampering.deleteCheckpointsAfterEvent(connection, 1));
    assertTrue(verify().intact(), "the tail of the checkpoints removed: not yet visible");
    checkpointer.checkpoint(Kind.PERIODIC);
    assertBroken("checkpoint 2 is missing: checkpoint 4 follows checkpoint 1");
  }

  @Test
  void aWitnessedCheckpointFindsARewriteAfterEveryCheckpointRowWasDeleted() throws Exception {
    SignedCheckpoint witnessed = eventsThenCheckpoint(5, Kind.START);
    eventsThenCheckpoint(2, Kind.SHUTDOWN);
    tamper(
        connection -> {
          AuditTampering.deleteAllCheckpoints(connection);
          AuditTampering.rewriteFrom(connection, 3, "someone-else");
        });
    AuditVerifier.Report report = verify(AuditVerifier.Witnessed.of(witnessed));
    assertEquals(
        "event 5 does not match witnessed checkpoint 1: the events up to 5 were rewritten",
        report.problem().orElseThrow().description());
    assertEquals(5, report.problem().orElseThrow().seq());
  }

  @Test
  void anOlderCopyOfTheLedgerDoesNotExtendANewerWitness() throws Exception {
    eventsThenCheckpoint(2, Kind.START);
    Path copy = directory.resolve("older.db");
    try (Connection connection = DriverManager.getConnection(url);
        var statement = connection.createStatement()) {
      statement.execute("VACUUM INTO '" + copy + "'");
    }
    SignedCheckpoint newer = eventsThenCheckpoint(3, Kind.SHUTDOWN);
    database.close();
    url = "jdbc:sqlite:" + copy;
    database = Database.open(new SignetdConfig.Ledger(url, Optional.empty(), Optional.empty()));
    AuditVerifier.Report report = verify(AuditVerifier.Witnessed.of(newer));
    assertEquals(
        "the chain ends at event 2, before event 5 of witnessed checkpoint 2: events were removed,"
            + " or this is an older copy of the ledger",
        report.problem().orElseThrow().description());
  }

  @Test
  void theWitnessMustBeInTheLedgerEvenWhenTheEventsStillMatch() throws Exception {
    SignedCheckpoint witnessed = eventsThenCheckpoint(2, Kind.START);
    eventsThenCheckpoint(0, Kind.SHUTDOWN);
    tamper(AuditTampering::deleteAllCheckpoints);
    AuditVerifier.Report report = verify(AuditVerifier.Witnessed.of(witnessed));
    assertTrue(
        report
            .problem()
            .orElseThrow()
            .description()
            .startsWith("witnessed checkpoint 1 is missing from the ledger (it holds none)"),
        report.toString());
  }

  private SignedCheckpoint eventsThenCheckpoint(int events, Kind kind) throws Exception {
    record(events);
    return checkpointer.checkpoint(kind);
  }

  private void record(int events) throws Exception {
    for (int i = 0; i < events; i++) {
      audit.record(
          new AuditEvent(
              now,
              "operator",
              "ca-admin",
              "issue",
              "kubelet-client",
              "worker-" + i,
              AuditEvent.Decision.APPROVED,
              "ISSUED",
              "certificate issued",
              "serial-" + i,
              "request-" + i,
              ""));
    }
  }

  private AuditVerifier.Report verify(AuditVerifier.Witnessed... witnessed) throws Exception {
    return AuditVerifier.verify(
        database,
        AuditVerifier.Expectations.full(key.publicKey(), INTERVAL, now, List.of(witnessed)));
  }

  private void assertBroken(String why) throws Exception {
    AuditVerifier.Report report = verify();
    assertTrue(report.problem().isPresent(), "must be found: " + why);
    assertTrue(
        report.problem().get().description().contains(why), report.problem().get().description());
  }

  @FunctionalInterface
  private interface Tampering {
    void apply(Connection connection) throws Exception;
  }

  private void tamper(Tampering tampering) throws Exception {
    try (Connection connection = DriverManager.getConnection(url)) {
      tampering.apply(connection);
    }
  }
}
