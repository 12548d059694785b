package dev.signet.server.ledger.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditEvent.Decision;
import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.database.Migrations;
import dev.signet.server.ledger.BootstrapTokens;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.Nodes;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.testing.Concurrently;
import dev.signet.server.testing.TestSeals;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every ledger engine must do, run against each of them (SQLite and PostgreSQL): the same
 * assertions, so that the embedded default and the replicas' database cannot drift apart.
 * Concurrency is exercised through two {@link Database} instances on one database wherever it
 * matters, as two replicas would use it.
 */
abstract class LedgerContract {
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00.123Z");
  private static final String ISSUER = "kubernetes-ca-key";

  protected final List<Database> opened = new ArrayList<>();

  /** The settings of a new, empty ledger database of this engine. */
  protected abstract SignetdConfig.Ledger newLedger() throws Exception;

  /**
   * The settings of a ledger database made by signetd's migration runner before Flyway (a fixture:
   * schema versions 1 to 4 recorded in {@code schema_version}, two intents with their audit events
   * and one node).
   */
  protected abstract SignetdConfig.Ledger ledgerMadeBeforeFlyway() throws Exception;

  @AfterEach
  void closeDatabases() {
    opened.forEach(Database::close);
  }

  protected Database open(SignetdConfig.Ledger config) throws LedgerException {
    Database database = Database.open(config);
    opened.add(database);
    return database;
  }

  /**
   * A second instance on the database of {@code first}, as another replica has. An engine that
   * serves a single process returns {@code first}: its concurrent writers then share one instance.
   */
  protected Database another(Database first, SignetdConfig.Ledger config) throws LedgerException {
    return open(config);
  }

  // --- certificates ----------------------------------------------------------------------------

  @Test
  void anIntentIsReadBackAsRecordedAndBecomesIssuedWithItsAuditEvents() throws Exception {
    Database database = open(newLedger());
    JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
    CertificateStore.Intent intent = intent(ISSUER, "4a01", "operator", "req-1");

    ledger.recordIntent(intent, event(Decision.SIGNING, "4a01", "req-1"));
    CertificateRecord pending = ledger.findByRequest("operator", "req-1").orElseThrow();
    assertEquals(CertificateRecord.State.INTENT, pending.state());
    assertEquals(ISSUER, pending.issuerKeyId());
    assertEquals("4a01", pending.serial());
    assertEquals(Profile.KUBELET_CLIENT, pending.profile());
    assertEquals(TrustDomain.KUBERNETES, pending.trustDomain());
    assertEquals("worker-1", pending.nodeName());
    assertEquals(intent.subject(), pending.subject());
    assertEquals(intent.notBefore(), pending.notBefore());
    assertEquals(intent.notAfter(), pending.notAfter());
    assertEquals(intent.createdAt(), pending.createdAt());
    assertArrayEquals(intent.requestHash(), pending.requestHash());
    assertArrayEquals(intent.tbsDer(), pending.tbsDer());
    assertTrue(pending.certificateDer().isEmpty(), "no certificate before signing");

    byte[] der = bytes("certificate 4a01");
    ledger.recordIssued(
        ISSUER, "4a01", der, NOW.plusSeconds(1), event(Decision.APPROVED, "4a01", "req-1"));
    CertificateRecord issued = ledger.findByRequest("operator", "req-1").orElseThrow();
    assertEquals(CertificateRecord.State.ISSUED, issued.state());
    assertArrayEquals(der, issued.certificateDer().orElseThrow());
    assertEquals(List.of("SIGNING 4a01", "APPROVED 4a01"), auditTrail(database));
    assertChainIntact(database, 2);

    assertThrows(
        LedgerException.class,
        () ->
            ledger.recordIssued(
                ISSUER, "4a01", der, NOW, event(Decision.APPROVED, "4a01", "req-1")),
        "an issued serial is not issued twice");
    assertEquals(2, auditTrail(database).size(), "the refused write left no audit event");
    assertTrue(
        ledger.findByRequest("someone-else", "req-1").isEmpty(),
        "request ids belong to their caller");
  }

  @Test
  void aTakenSerialIsADuplicateSerialForItsIssuerOnlyAndWritesNothing() throws Exception {
    Database database = open(newLedger());
    JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
    ledger.recordIntent(
        intent(ISSUER, "4b01", "operator", "req-1"), event(Decision.SIGNING, "4b01", "req-1"));

    assertThrows(
        LedgerException.DuplicateSerial.class,
        () ->
            ledger.recordIntent(
                intent(ISSUER, "4b01", "operator", "req-2"),
                event(Decision.SIGNING, "4b01", "req-2")));
    assertTrue(ledger.findByRequest("operator", "req-2").isEmpty());
    assertEquals(
        1, auditTrail(database).size(), "the refused intent's audit event was not written either");

    ledger.recordIntent(
        intent("etcd-ca-key", "4b01", "operator", "req-3"),
        event(Decision.SIGNING, "4b01", "req-3"));
    assertChainIntact(database, 2);
  }

  @Test
  void aLiveRequestIdIsADuplicateRequestForItsCallerOnly() throws Exception {
    Database database = open(newLedger());
    JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
    ledger.recordIntent(
        intent(ISSUER, "4c01", "operator", "req-1"), event(Decision.SIGNING, "4c01", "req-1"));

    assertThrows(
        LedgerException.DuplicateRequest.class,
        () ->
            ledger.recordIntent(
                intent(ISSUER, "4c02", "operator", "req-1"),
                event(Decision.SIGNING, "4c02", "req-1")));
    ledger.recordIntent(
        intent(ISSUER, "4c03", "provisioner", "req-1"), event(Decision.SIGNING, "4c03", "req-1"));
    assertEquals("4c03", ledger.findByRequest("provisioner", "req-1").orElseThrow().serial());
    assertEquals("4c01", ledger.findByRequest("operator", "req-1").orElseThrow().serial());
  }

  @Test
  void anAbandonedIntentFreesItsRequestIdButNeverItsSerial() throws Exception {
    Database database = open(newLedger());
    JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
    ledger.recordIntent(
        intent(ISSUER, "4d01", "operator", "req-1"), event(Decision.SIGNING, "4d01", "req-1"));
    ledger.recordAbandoned(ISSUER, "4d01", "the token failed");

    assertTrue(
        ledger.findByRequest("operator", "req-1").isEmpty(),
        "an abandoned attempt is not an answer");
    assertThrows(
        LedgerException.class,
        () ->
            ledger.recordIssued(
                ISSUER, "4d01", bytes("late"), NOW, event(Decision.APPROVED, "4d01", "req-1")));
    assertRequestIdFreeAndSerialTaken(ledger, "4d01", "4d02");
  }

  /**
   * After the intent {@code released} gave up operator's "req-1": a new intent ({@code next}) takes
   * the request id, and {@code released}'s serial is never taken again.
   */
  private static void assertRequestIdFreeAndSerialTaken(
      JdbcCertificateStore ledger, String released, String next) throws Exception {
    ledger.recordIntent(
        intent(ISSUER, next, "operator", "req-1"), event(Decision.SIGNING, next, "req-1"));
    assertEquals(next, ledger.findByRequest("operator", "req-1").orElseThrow().serial());
    assertThrows(
        LedgerException.DuplicateSerial.class,
        () ->
            ledger.recordIntent(
                intent(ISSUER, released, "operator", "req-2"),
                event(Decision.SIGNING, released, "req-2")));
  }

  @Test
  void aCrashedIntentSettledAsPossiblyIssuedFreesItsRequestIdButNeverItsSerial() throws Exception {
    Database database = open(newLedger());
    JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
    ledger.recordIntent(
        intent(ISSUER, "4f01", "operator", "req-1"), event(Decision.SIGNING, "4f01", "req-1"));

    List<String> settled =
        ledger.reconcileIntents(
            NOW.plusSeconds(60), NOW, serial -> event(Decision.FAILED, serial, "req-1"));

    assertEquals(List.of("4f01"), settled);
    assertTrue(
        ledger.findByRequest("operator", "req-1").isEmpty(), "a crashed attempt is not an answer");
    assertEquals(
        1,
        count(
            database,
            "SELECT COUNT(*) FROM certificates WHERE serial = '4f01'"
                + " AND state = 'POSSIBLY_ISSUED' AND failure IS NOT NULL"),
        "the settled row says why it no longer holds its request id");
    assertRequestIdFreeAndSerialTaken(ledger, "4f01", "4f02");
  }

  /**
   * Migration 12 moved the request-id index's condition from the state to the failure column; rows
   * settled before it (POSSIBLY_ISSUED, which had no failure, and ABANDONED without one) must still
   * release their request ids, and live rows keep theirs.
   */
  @Test
  void rowsSettledBeforeMigrationTwelveStillReleaseTheirRequestIds() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Flyway atEleven =
        Flyway.configure(Database.class.getClassLoader())
            .dataSource(
                config.url(),
                config.user().orElse(null),
                config.password().isPresent() ? new String(config.password().get().read()) : null)
            .locations("classpath:dev/signet/server/database")
            .target("11")
            .load();
    atEleven.migrate();
    try (Connection connection = atEleven.getConfiguration().getDataSource().getConnection()) {
      insertRow(connection, "5a01", "POSSIBLY_ISSUED", "req-1");
      insertRow(connection, "5a02", "ABANDONED", "req-2");
      insertRow(connection, "5a03", "ISSUED", "req-3");
    }

    Database database = open(config);
    JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());

    assertTrue(ledger.findByRequest("operator", "req-1").isEmpty());
    assertTrue(ledger.findByRequest("operator", "req-2").isEmpty());
    assertEquals("5a03", ledger.findByRequest("operator", "req-3").orElseThrow().serial());
    ledger.recordIntent(
        intent(ISSUER, "5b01", "operator", "req-1"), event(Decision.SIGNING, "5b01", "req-1"));
    ledger.recordIntent(
        intent(ISSUER, "5b02", "operator", "req-2"), event(Decision.SIGNING, "5b02", "req-2"));
    assertThrows(
        LedgerException.DuplicateRequest.class,
        () ->
            ledger.recordIntent(
                intent(ISSUER, "5b03", "operator", "req-3"),
                event(Decision.SIGNING, "5b03", "req-3")));
  }

  /** A row as signetd before migration 12 left it: no failure text, whatever its state. */
  private static void insertRow(Connection connection, String serial, String state, String request)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO certificates (issuer_key_id, serial, state, profile, trust_domain,"
                + " caller, request_id, request_hash, node_name, subject, not_before, not_after,"
                + " tbs_der, created_at, updated_at)"
                + " VALUES (?, ?, ?, 'kubelet-client', 'KUBERNETES', 'operator', ?, ?,"
                + " 'worker-1', 'CN=system:node:worker-1', 0, 1, ?, 0, 0)")) {
      insert.setString(1, ISSUER);
      insert.setString(2, serial);
      insert.setString(3, state);
      insert.setString(4, request);
      insert.setBytes(5, sha256(request));
      insert.setBytes(6, bytes("to be signed " + serial));
      insert.executeUpdate();
    }
    if (!connection.getAutoCommit()) {
      connection.commit();
    }
  }

  /**
   * 32 writers on two Database instances, every fifth write a duplicate serial: batches commit
   * together, yet a failed write undoes only itself (its savepoint), never its batch neighbours.
   */
  @Test
  void concurrentWritersOnTwoInstancesShareCommitsAndAFailedWriteUndoesOnlyItself()
      throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database first = open(config);
    List<JdbcCertificateStore> replicas =
        List.of(
            new JdbcCertificateStore(first, TestSeals.keyed()),
            new JdbcCertificateStore(another(first, config), TestSeals.keyed()));
    int writers = 32;
    int perWriter = 10;
    List<Callable<Integer>> work = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      JdbcCertificateStore ledger = replicas.get(w % 2);
      int writer = w;
      work.add(
          () -> {
            int duplicates = 0;
            for (int i = 0; i < perWriter; i++) {
              String serial = String.format("5%03d%03d", writer, i);
              String requestId = "w" + writer + "-" + i;
              ledger.recordIntent(
                  intent(ISSUER, serial, "writer-" + writer, requestId),
                  event(Decision.SIGNING, serial, requestId));
              if (i % 5 == 0) {
                try {
                  ledger.recordIntent(
                      intent(ISSUER, serial, "writer-" + writer, requestId + "-again"),
                      event(Decision.SIGNING, serial, requestId + "-again"));
                } catch (LedgerException.DuplicateSerial expected) {
                  duplicates++;
                }
              }
              ledger.recordIssued(
                  ISSUER,
                  serial,
                  bytes("certificate " + serial),
                  NOW,
                  event(Decision.APPROVED, serial, requestId));
            }
            return duplicates;
          });
    }
    int duplicates = 0;
    for (int result : Concurrently.run(work)) {
      duplicates += result;
    }

    assertEquals(
        writers * perWriter / 5, duplicates, "every duplicate serial was reported as such");
    Database database = another(first, config);
    assertEquals(
        (long) writers * perWriter,
        count(database, "SELECT COUNT(*) FROM certificates WHERE state = 'ISSUED'"));
    assertEquals((long) writers * perWriter, count(database, "SELECT COUNT(*) FROM certificates"));
    assertChainIntact(database, 2L * writers * perWriter);
  }

  /**
   * A write that fails after appending to the audit chain leaves no trace of its event, whether it
   * ran alone or batched with other writes: the writer keeps a batch's chain head in memory and
   * takes it back with the failed write.
   */
  @Test
  void aWriteFailingAfterItsAuditAppendLeavesTheChainAsIfItHadNotRun() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database database = open(config);
    int writers = 8;
    int perWriter = 21;
    List<Callable<Integer>> work = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      work.add(
          () -> {
            int failed = 0;
            for (int i = 0; i < perWriter; i++) {
              AuditEvent event = event(Decision.DENIED, "", "w" + writer + "-" + i);
              boolean fail = i % 3 == 0;
              try {
                database.write(
                    connection -> {
                      JdbcAuditLog.append(connection, database, event);
                      if (fail) {
                        throw new SQLException("fails after its audit append");
                      }
                      return null;
                    });
              } catch (SQLException expected) {
                failed++;
              }
            }
            return failed;
          });
    }
    int failed = 0;
    for (int result : Concurrently.run(work)) {
      failed += result;
    }

    assertEquals(writers * perWriter / 3, failed, "every third write failed");
    Database reader = another(database, config);
    assertChainIntact(reader, (long) writers * perWriter - failed);
    assertEquals(
        (long) writers * perWriter - failed,
        count(reader, "SELECT COUNT(DISTINCT request_id) FROM audit_events"));
  }

  // --- audit trail -----------------------------------------------------------------------------

  @Test
  void concurrentAppendsFromTwoInstancesFormOneUnbrokenChain() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database first = open(config);
    List<JdbcAuditLog> replicas =
        List.of(new JdbcAuditLog(first), new JdbcAuditLog(another(first, config)));
    List<Callable<Integer>> work = new ArrayList<>();
    for (int w = 0; w < 16; w++) {
      JdbcAuditLog audit = replicas.get(w % 2);
      int writer = w;
      work.add(
          () -> {
            for (int i = 0; i < 25; i++) {
              audit.record(event(Decision.DENIED, "", "w" + writer + "-" + i));
            }
            return 25;
          });
    }
    Concurrently.run(work);
    Database database = another(first, config);
    assertChainIntact(database, 400);
    assertEquals(400, count(database, "SELECT COUNT(DISTINCT request_id) FROM audit_events"));
  }

  @Test
  void verifyingWhileEventsAreAppendedFindsTheChainIntact() throws Exception {
    // An auditor verifies a live daemon's trail (VerifyAudit): the chain grows meanwhile.
    SignetdConfig.Ledger config = newLedger();
    Database database = open(config);
    JdbcAuditLog audit = new JdbcAuditLog(database);
    AtomicBoolean appending = new AtomicBoolean(true);
    List<Callable<Integer>> work = new ArrayList<>();
    work.add(
        () -> {
          for (int i = 0; i < 300; i++) {
            audit.record(event(Decision.DENIED, "", "live-" + i));
          }
          appending.set(false);
          return 0;
        });
    work.add(
        () -> {
          int verified = 0;
          while (appending.get() || verified == 0) {
            AuditVerifier.Report report =
                AuditVerifier.verify(database, AuditVerifier.Expectations.structure());
            assertTrue(report.intact(), "verified during appends: " + report.problem());
            verified++;
          }
          return verified;
        });
    assertTrue(Concurrently.run(work).get(1) > 1, "several verifications overlapped the appends");
    assertChainIntact(database, 300);
  }

  // --- nodes and bootstrap tokens --------------------------------------------------------------

  @Test
  void registeringANodeAgainReplacesItsAddresses() throws Exception {
    JdbcNodes nodes = new JdbcNodes(open(newLedger()), TestSeals.keyed());
    assertTrue(nodes.find("worker-1").isEmpty());

    nodes.register(
        new Nodes.Node("worker-1", List.of("192.0.2.1", "2001:db8::1"), "operator", NOW));
    assertEquals(
        new Nodes.Node("worker-1", List.of("192.0.2.1", "2001:db8::1"), "operator", NOW),
        nodes.find("worker-1").orElseThrow());

    nodes.register(
        new Nodes.Node("worker-1", List.of("192.0.2.2"), "provisioner", NOW.plusSeconds(5)));
    assertEquals(
        new Nodes.Node("worker-1", List.of("192.0.2.2"), "provisioner", NOW.plusSeconds(5)),
        nodes.find("worker-1").orElseThrow());
    nodes.register(new Nodes.Node("worker-2", List.of(), "operator", NOW));
    assertEquals(List.of(), nodes.find("worker-2").orElseThrow().addresses());
  }

  @Test
  void aBootstrapTokenIsSpentExactlyOnceBy32ConcurrentConsumersOnTwoInstances() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database first = open(config);
    List<JdbcBootstrapTokens> replicas =
        List.of(
            new JdbcBootstrapTokens(first, TestSeals.keyed()),
            new JdbcBootstrapTokens(another(first, config), TestSeals.keyed()));
    BootstrapTokens.Token token =
        new BootstrapTokens.Token(
            "abcdefgh",
            "5e".repeat(32),
            "worker-1",
            List.of("192.0.2.1"),
            "provisioner",
            NOW,
            NOW.plusSeconds(3600),
            Optional.empty());
    replicas.get(0).create(token);
    assertEquals(token, replicas.get(1).find("abcdefgh").orElseThrow());

    List<Callable<Integer>> consumers = new ArrayList<>();
    for (int c = 0; c < 32; c++) {
      JdbcBootstrapTokens tokens = replicas.get(c % 2);
      String consumer = "joiner-" + c;
      consumers.add(() -> tokens.consume(token, consumer, NOW.plusSeconds(10)) ? 1 : 0);
    }
    assertEquals(
        1,
        Concurrently.run(consumers).stream().mapToInt(Integer::intValue).sum(),
        "exactly one consumer wins");
    assertEquals(
        Optional.of(NOW.plusSeconds(10)), replicas.get(0).find("abcdefgh").orElseThrow().usedAt());

    BootstrapTokens.Token expiring =
        new BootstrapTokens.Token(
            "ijklmnop",
            "6f".repeat(32),
            "worker-2",
            List.of(),
            "provisioner",
            NOW,
            NOW.plusSeconds(60),
            Optional.empty());
    replicas.get(0).create(expiring);
    assertFalse(
        replicas.get(1).consume(expiring, "late", NOW.plusSeconds(60)),
        "an expired token is not spent");
    assertFalse(
        replicas
            .get(1)
            .consume(
                new BootstrapTokens.Token(
                    "unknown0",
                    "7a".repeat(32),
                    "worker-3",
                    List.of(),
                    "provisioner",
                    NOW,
                    NOW.plusSeconds(60),
                    Optional.empty()),
                "anyone",
                NOW),
        "an unknown token is not spent");
    assertTrue(replicas.get(1).find("ijklmnop").orElseThrow().usedAt().isEmpty());
  }

  // --- schema ----------------------------------------------------------------------------------

  @Test
  void migrationsAreAppliedOnceAndOpeningAgainChangesNothing() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database firstDatabase = open(config);
    new JdbcCertificateStore(firstDatabase, TestSeals.keyed())
        .recordIntent(
            intent(ISSUER, "4e01", "operator", "req-1"), event(Decision.SIGNING, "4e01", "req-1"));
    firstDatabase.close();
    opened.remove(firstDatabase);
    Database again = open(config);
    assertSchemaVersionsOnce(again);
    assertEquals(
        "4e01",
        new JdbcCertificateStore(again, TestSeals.keyed())
            .findByRequest("operator", "req-1")
            .orElseThrow()
            .serial(),
        "reopening kept the data");
  }

  @Test
  void aLedgerMadeBeforeFlywayIsBaselinedAtItsVersionAndKeepsItsData() throws Exception {
    Database database = open(ledgerMadeBeforeFlyway());

    assertEquals(
        4,
        count(
            database,
            "SELECT CAST(version AS INTEGER) FROM flyway_schema_history WHERE type = 'BASELINE'"),
        "baselined at the version schema_version recorded");
    assertEquals(
        count(database, "SELECT COUNT(*) FROM flyway_schema_history WHERE type = 'SQL'"),
        count(
            database,
            "SELECT COUNT(*) FROM flyway_schema_history WHERE type = 'SQL' AND success"
                + " AND CAST(version AS INTEGER) > 4"),
        "only migrations newer than the baseline applied, and all of them");
    JdbcCertificateStore certificates = new JdbcCertificateStore(database, TestSeals.keyed());
    assertEquals(
        "4e01",
        certificates.findByRequest("operator", "req-1").orElseThrow().serial(),
        "data kept");
    // kept, though not found until signetd init seals the rows made before the seal key existed
    assertEquals(1, count(database, "SELECT COUNT(*) FROM nodes WHERE name = 'worker-1'"));
    assertChainIntact(database, 2);
    certificates.recordIntent(
        intent(ISSUER, "4e03", "operator", "req-3"), event(Decision.SIGNING, "4e03", "req-3"));
    assertChainIntact(database, 3);
    database.close();
    opened.remove(database);
    Database again = open(ledgerMadeBeforeFlyway());
    assertEquals(
        1,
        count(again, "SELECT COUNT(*) FROM flyway_schema_history WHERE type = 'BASELINE'"),
        "opened again: baselined once");
  }

  @Test
  void aLedgerWithEveryMigrationStartsWithoutFlywayAndAnyDifferenceGoesToIt() throws Exception {
    assertEquals(migrationFiles(), Migrations.FILES, "Migrations.FILES names every file, in order");
    Database database = open(newLedger());
    assertTrue(migrationsApplied(database), "an up-to-date ledger: Flyway is skipped");

    execute(
        database, "UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '2'");
    assertFalse(migrationsApplied(database), "an edited migration goes to Flyway");
    execute(
        database, "UPDATE flyway_schema_history SET checksum = checksum - 1 WHERE version = '2'");
    assertTrue(migrationsApplied(database));

    execute(database, "UPDATE flyway_schema_history SET success = false WHERE version = '4'");
    assertFalse(migrationsApplied(database), "a failed migration goes to Flyway");
    execute(database, "UPDATE flyway_schema_history SET success = true WHERE version = '4'");
    assertTrue(migrationsApplied(database));

    execute(
        database,
        "DELETE FROM flyway_schema_history WHERE installed_rank ="
            + " (SELECT MAX(installed_rank) FROM flyway_schema_history)");
    assertFalse(migrationsApplied(database), "a migration not applied yet goes to Flyway");
  }

  @Test
  void aMigrationChangedAfterItWasAppliedIsRefusedWithoutTouchingTheLedger() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database database = open(config);
    execute(
        database, "UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '2'");
    database.close();
    opened.remove(database);

    LedgerException refused = assertThrows(LedgerException.class, () -> open(config));

    assertTrue(refused.getMessage().contains("does not match"), refused.getMessage());
    assertTrue(refused.getMessage().contains("checksum"), refused.getMessage());
  }

  @Test
  void aLedgerMigratedByANewerSignetdIsRefused() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database database = open(config);
    execute(
        database,
        "INSERT INTO flyway_schema_history SELECT installed_rank + 100, '999', description, type,"
            + " 'V999__future.sql', checksum, installed_by, installed_on, execution_time, success"
            + " FROM flyway_schema_history WHERE installed_rank ="
            + " (SELECT MAX(installed_rank) FROM flyway_schema_history)");
    database.close();
    opened.remove(database);

    LedgerException refused = assertThrows(LedgerException.class, () -> open(config));

    assertTrue(refused.getMessage().contains("a newer signetd"), refused.getMessage());
    assertTrue(refused.getMessage().contains("999"), refused.getMessage());
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static void execute(Database database, String sql) throws SQLException {
    try (Connection connection = database.connection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
      connection.commit();
    }
  }

  /** Every migration applied once, 1 to n in order, none failed, none skipped. */
  static void assertSchemaVersionsOnce(Database database) throws Exception {
    long versions = count(database, "SELECT COUNT(*) FROM flyway_schema_history");
    assertEquals(
        versions,
        count(database, "SELECT COUNT(DISTINCT version) FROM flyway_schema_history WHERE success"));
    List<Integer> migrations = migrationVersions();
    assertEquals(migrations.size(), versions, "every migration applied, none skipped");
    assertEquals(
        migrations.get(migrations.size() - 1),
        (int) count(database, "SELECT MAX(CAST(version AS INTEGER)) FROM flyway_schema_history"),
        "up to the newest");
  }

  /** The versions of the V<n>__*.sql files signetd ships, in order (from its classes or jar). */
  private static List<Integer> migrationVersions() throws Exception {
    return migrationFiles().stream().map(LedgerContract::version).toList();
  }

  /** The V<n>__*.sql files beside Database, oldest first. */
  private static List<String> migrationFiles() throws Exception {
    URI first = Database.class.getResource("V1__certificates.sql").toURI();
    if (!first.getScheme().equals("jar")) {
      return filesIn(Path.of(first).getParent());
    }
    try (FileSystem jar = FileSystems.newFileSystem(first, Map.of())) {
      return filesIn(jar.provider().getPath(first).getParent());
    }
  }

  private static List<String> filesIn(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.matches("V\\d+__.*\\.sql"))
          .sorted(Comparator.comparingInt(LedgerContract::version))
          .toList();
    }
  }

  private static int version(String migration) {
    return Integer.parseInt(migration.substring(1, migration.indexOf("__")));
  }

  private static boolean migrationsApplied(Database database) throws SQLException {
    try (Connection connection = database.connection()) {
      try {
        return Migrations.applied(connection);
      } finally {
        connection.rollback();
      }
    }
  }

  static void assertChainIntact(Database database, long events) throws LedgerException {
    AuditVerifier.Report report =
        AuditVerifier.verify(database, AuditVerifier.Expectations.structure());
    assertTrue(report.intact(), report.toString());
    assertEquals(events, report.events());
  }

  private static List<String> auditTrail(Database database) throws SQLException {
    List<String> events = new ArrayList<>();
    try (Connection connection = database.connection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("SELECT decision, serial FROM audit_events ORDER BY seq")) {
      while (rows.next()) {
        events.add(rows.getString(1) + " " + rows.getString(2));
      }
      connection.commit();
    }
    return events;
  }

  // --- credential lineage ----------------------------------------------------------------------

  @Test
  void aCredentialsRenewalLineIsFoundFromAnyOfItsMembers() throws Exception {
    JdbcCertificateStore ledger = new JdbcCertificateStore(open(newLedger()), TestSeals.keyed());
    issuedCredential(ledger, "c1", "");
    issuedCredential(ledger, "c2", "c1");
    issuedCredential(ledger, "c3", "c2");
    issuedCredential(ledger, "c2b", "c1");
    issuedCredential(ledger, "other", "");

    for (String member : List.of("c1", "c2", "c3", "c2b")) {
      assertEquals(
          List.of("c1", "c2", "c2b", "c3"),
          ledger.line(member).stream().map(CertificateRecord::serial).sorted().toList(),
          "from " + member);
    }
    assertEquals(
        List.of("other"), ledger.line("other").stream().map(CertificateRecord::serial).toList());
    assertEquals(Optional.of("c1"), ledger.findBySerial("c2").get(0).renewedFrom());
  }

  @Test
  void revokingSeveralRevokesEachOnceWithItsOwnEventIntentsIncluded() throws Exception {
    Database database = open(newLedger());
    JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
    issuedCredential(ledger, "c1", "");
    // a renewal being signed when the line is revoked
    ledger.recordIntent(credentialIntent("c2", "c1"), event(Decision.SIGNING, "c2", "c2"));
    long events = count(database, "SELECT COUNT(*) FROM audit_events");

    List<CertificateRecord> revoked =
        ledger.revokeAll(
            List.of(
                new CertificateStore.Target(ISSUER, "c1"),
                new CertificateStore.Target(ISSUER, "c2")),
            1,
            NOW,
            target -> event(Decision.APPROVED, target.serial(), "revoke"));

    assertEquals(List.of("c1", "c2"), revoked.stream().map(CertificateRecord::serial).toList());
    System.err.println(
        "DEBUG revoked "
            + revoked
            + " raw "
            + count(database, "SELECT COUNT(*) FROM certificates WHERE revoked_at IS NOT NULL"));
    assertTrue(revoked.stream().allMatch(r -> r.revocation().isPresent()));
    assertEquals(events + 2, count(database, "SELECT COUNT(*) FROM audit_events"));
    // the intent is revoked, but not on a CRL until it is issued
    assertEquals(
        List.of("c1"), ledger.revokedEntries(ISSUER, NOW).stream().map(e -> e.serial()).toList());
    ledger.recordIssued(
        ISSUER, "c2", bytes("certificate c2"), NOW, event(Decision.APPROVED, "c2", "c2"));
    assertEquals(2, ledger.revokedEntries(ISSUER, NOW).size());

    ledger.revokeAll(
        List.of(new CertificateStore.Target(ISSUER, "c1")),
        4,
        NOW.plusSeconds(60),
        target -> event(Decision.APPROVED, target.serial(), "again"));
    assertEquals(events + 3, count(database, "SELECT COUNT(*) FROM audit_events"), "no event");
    assertEquals(1, ledger.findBySerial("c1").get(0).revocation().orElseThrow().reasonCode());
  }

  @Test
  void aRenewalOfARevokedCredentialIsNotRecorded() throws Exception {
    JdbcCertificateStore ledger = new JdbcCertificateStore(open(newLedger()), TestSeals.keyed());
    issuedCredential(ledger, "c1", "");
    ledger.revokeAll(
        List.of(new CertificateStore.Target(ISSUER, "c1")),
        1,
        NOW,
        target -> event(Decision.APPROVED, target.serial(), "revoke"));

    assertThrows(
        LedgerException.PredecessorRevoked.class,
        () ->
            ledger.recordIntent(credentialIntent("c2", "c1"), event(Decision.SIGNING, "c2", "c2")));
    assertTrue(ledger.findBySerial("c2").isEmpty());
  }

  @Test
  void liveCertificatesAreNeitherRevokedNorExpired() throws Exception {
    JdbcCertificateStore ledger = new JdbcCertificateStore(open(newLedger()), TestSeals.keyed());
    issuedCredential(ledger, "c1", "");
    issuedCredential(ledger, "c2", "");
    ledger.revokeAll(
        List.of(new CertificateStore.Target(ISSUER, "c2")),
        0,
        NOW,
        target -> event(Decision.APPROVED, target.serial(), "revoke"));

    assertEquals(
        List.of("c1"),
        ledger.live(Profile.SIGNET_API_CLIENT, Optional.empty(), NOW).stream()
            .map(CertificateRecord::serial)
            .toList());
    assertEquals(
        List.of(),
        ledger.live(Profile.SIGNET_API_CLIENT, Optional.empty(), NOW.plusSeconds(90_000)));
    assertEquals(
        List.of(),
        ledger.live(Profile.SIGNET_API_CLIENT, Optional.of("worker-2"), NOW).stream()
            .map(CertificateRecord::serial)
            .toList());
  }

  private static void issuedCredential(
      JdbcCertificateStore ledger, String serial, String renewedFrom) throws Exception {
    ledger.recordIntent(
        credentialIntent(serial, renewedFrom), event(Decision.SIGNING, serial, serial));
    ledger.recordIssued(
        ISSUER,
        serial,
        bytes("certificate " + serial),
        NOW,
        event(Decision.APPROVED, serial, serial));
  }

  private static CertificateStore.Intent credentialIntent(String serial, String renewedFrom) {
    return new CertificateStore.Intent(
        ISSUER,
        serial,
        Profile.SIGNET_API_CLIENT,
        TrustDomain.SIGNET_API,
        "system:node:worker-1",
        serial,
        sha256(serial),
        "worker-1",
        "CN=system:node:worker-1,O=signet:node",
        NOW.minusSeconds(300),
        NOW.plusSeconds(86_400),
        bytes("to be signed " + serial),
        NOW,
        renewedFrom);
  }

  static long count(Database database, String sql) throws SQLException {
    try (Connection connection = database.connection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      long value = rows.getLong(1);
      connection.commit();
      return value;
    }
  }

  private static CertificateStore.Intent intent(
      String issuer, String serial, String caller, String requestId) {
    return new CertificateStore.Intent(
        issuer,
        serial,
        Profile.KUBELET_CLIENT,
        TrustDomain.KUBERNETES,
        caller,
        requestId,
        sha256(caller + "/" + requestId),
        "worker-1",
        "O=system:nodes,CN=system:node:worker-1",
        NOW.minusSeconds(300),
        NOW.plusSeconds(86_400),
        bytes("to be signed " + serial),
        NOW,
        "");
  }

  private static AuditEvent event(Decision decision, String serial, String requestId) {
    return new AuditEvent(
        NOW,
        "operator",
        "ca-admin",
        "issue",
        "kubelet-client",
        "worker-1",
        decision,
        decision.name(),
        "contract test",
        serial,
        requestId,
        "");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes(text));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
