package dev.signet.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit chain against someone with write access to the database: an edited, deleted or
 * reordered row is found, and the report names the first broken link.
 */
class AuditVerifierTest {
  @TempDir Path directory;
  private Database database;
  private String url;

  @BeforeEach
  void tenEvents() throws Exception {
    url = "jdbc:sqlite:" + directory.resolve("ledger.db");
    database = Database.open(new SignetdConfig.Ledger(url, Optional.empty(), Optional.empty()));
    JdbcAuditLog audit = new JdbcAuditLog(database);
    for (int i = 1; i <= 10; i++) {
      audit.record(
          new AuditEvent(
              Instant.ofEpochSecond(1_000 + i),
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

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void anUntouchedChainVerifies() throws Exception {
    AuditVerifier.Report report =
        AuditVerifier.verify(database, AuditVerifier.Expectations.structure());
    assertTrue(report.intact(), report.toString());
    assertEquals(10, report.events());
  }

  @Test
  void anEditedRowIsFound() throws Exception {
    tamper("UPDATE audit_events SET node_name = 'worker-99' WHERE seq = 4");
    assertBrokenAt(4, "does not match its hash");
  }

  @Test
  void aDeletedRowIsFound() throws Exception {
    tamper("DELETE FROM audit_events WHERE seq = 6");
    assertBrokenAt(5, "event 6 is missing");
  }

  @Test
  void reorderedRowsAreFound() throws Exception {
    tamper("UPDATE audit_events SET seq = -3 WHERE seq = 3");
    tamper("UPDATE audit_events SET seq = 3 WHERE seq = 7");
    tamper("UPDATE audit_events SET seq = 7 WHERE seq = -3");
    assertBrokenAt(3, "does not match its hash");
  }

  @Test
  void rowsRemovedFromTheEndAreFound() throws Exception {
    tamper("DELETE FROM audit_events WHERE seq >= 9");
    assertBrokenAt(8, "head records event 10");
  }

  private void assertBrokenAt(long seq, String why) throws Exception {
    AuditVerifier.Report report =
        AuditVerifier.verify(database, AuditVerifier.Expectations.structure());
    assertTrue(report.problem().isPresent(), "tampering must be found");
    assertEquals(seq, report.problem().get().seq(), report.problem().get().description());
    assertTrue(
        report.problem().get().description().contains(why), report.problem().get().description());
  }

  private void tamper(String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
  }
}
