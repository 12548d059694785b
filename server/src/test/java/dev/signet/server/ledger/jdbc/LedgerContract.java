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
import dev.signet.server.ledger.BootstrapTokens;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.Nodes;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.testing.Concurrently;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
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
    JdbcCertificateStore ledger = new JdbcCertificateStore(database);
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
    JdbcCertificateStore ledger = new JdbcCertificateStore(database);
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
    JdbcCertificateStore ledger = new JdbcCertificateStore(database);
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
    JdbcCertificateStore ledger = new JdbcCertificateStore(database);
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
    ledger.recordIntent(
        intent(ISSUER, "4d02", "operator", "req-1"), event(Decision.SIGNING, "4d02", "req-1"));
    assertEquals("4d02", ledger.findByRequest("operator", "req-1").orElseThrow().serial());
    assertThrows(
        LedgerException.DuplicateSerial.class,
        () ->
            ledger.recordIntent(
                intent(ISSUER, "4d01", "operator", "req-2"),
                event(Decision.SIGNING, "4d01", "req-2")));
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
        List.of(new JdbcCertificateStore(first), new JdbcCertificateStore(another(first, config)));
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
    JdbcNodes nodes = new JdbcNodes(open(newLedger()));
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
        List.of(new JdbcBootstrapTokens(first), new JdbcBootstrapTokens(another(first, config)));
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
      consumers.add(() -> tokens.consume("abcdefgh", consumer, NOW.plusSeconds(10)) ? 1 : 0);
    }
    assertEquals(
        1,
        Concurrently.run(consumers).stream().mapToInt(Integer::intValue).sum(),
        "exactly one consumer wins");
    assertEquals(
        Optional.of(NOW.plusSeconds(10)), replicas.get(0).find("abcdefgh").orElseThrow().usedAt());

    replicas
        .get(0)
        .create(
            new BootstrapTokens.Token(
                "ijklmnop",
                "6f".repeat(32),
                "worker-2",
                List.of(),
                "provisioner",
                NOW,
                NOW.plusSeconds(60),
                Optional.empty()));
    assertFalse(
        replicas.get(1).consume("ijklmnop", "late", NOW.plusSeconds(60)),
        "an expired token is not spent");
    assertFalse(
        replicas.get(1).consume("unknown0", "anyone", NOW), "an unknown token is not spent");
    assertTrue(replicas.get(1).find("ijklmnop").orElseThrow().usedAt().isEmpty());
  }

  // --- schema ----------------------------------------------------------------------------------

  @Test
  void migrationsAreAppliedOnceAndOpeningAgainChangesNothing() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database firstDatabase = open(config);
    new JdbcCertificateStore(firstDatabase)
        .recordIntent(
            intent(ISSUER, "4e01", "operator", "req-1"), event(Decision.SIGNING, "4e01", "req-1"));
    firstDatabase.close();
    opened.remove(firstDatabase);
    Database again = open(config);
    assertSchemaVersionsOnce(again);
    assertEquals(
        "4e01",
        new JdbcCertificateStore(again).findByRequest("operator", "req-1").orElseThrow().serial(),
        "reopening kept the data");
  }

  // --- helpers ---------------------------------------------------------------------------------

  static void assertSchemaVersionsOnce(Database database) throws SQLException {
    long versions = count(database, "SELECT COUNT(*) FROM schema_version");
    assertTrue(versions >= 2, "V1 and V2 at least");
    assertEquals(versions, count(database, "SELECT COUNT(DISTINCT version) FROM schema_version"));
    assertEquals(Database.versions().size(), versions, "every migration applied, none skipped");
    assertEquals(
        Database.versions().get(Database.versions().size() - 1),
        (int) count(database, "SELECT MAX(version) FROM schema_version"),
        "up to the newest");
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
        NOW);
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
