package dev.signet.server.ledger.jdbc;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.SecretSource;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.testing.Concurrently;
import dev.signet.server.testing.PostgresServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The ledger contract on a real PostgreSQL (Debian's, started for this class on loopback), a new
 * database per test; and the start-up check that refuses a PostgreSQL that does not keep what it
 * acknowledges.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresLedgerContractIT extends LedgerContract {
  private PostgresServer server;
  private Path passwordFile;

  @BeforeAll
  void startPostgres() throws Exception {
    server = PostgresServer.start();
    passwordFile =
        server.writePasswordFile(
            Files.createTempDirectory("ledger-contract").resolve("ledger.password"));
  }

  @AfterAll
  void stopPostgres() throws Exception {
    server.close();
    Files.deleteIfExists(passwordFile);
    Files.deleteIfExists(passwordFile.getParent());
  }

  @Override
  protected SignetdConfig.Ledger newLedger() throws Exception {
    return config(server.createDatabase(), passwordFile);
  }

  @Override
  protected SignetdConfig.Ledger ledgerMadeBeforeFlyway() throws Exception {
    String url = server.createDatabase();
    String dump;
    try (InputStream fixture =
        Database.class.getResourceAsStream("ledger-before-flyway.postgresql.sql")) {
      dump = new String(fixture.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection connection = server.connect(url);
        Statement statement = connection.createStatement()) {
      statement.execute(dump);
    }
    return config(url, passwordFile);
  }

  private static SignetdConfig.Ledger config(String url, Path password) {
    return new SignetdConfig.Ledger(
        url, Optional.of(PostgresServer.USER), Optional.of(SecretSource.file(password)));
  }

  @Test
  void refusesAPostgresqlStartedWithSynchronousCommitOff() throws Exception {
    try (PostgresServer careless = PostgresServer.start(Map.of("synchronous_commit", "off"))) {
      Path file = careless.writePasswordFile(passwordFile.resolveSibling("careless.password"));
      try {
        LedgerException refused =
            assertThrows(LedgerException.class, () -> Database.open(config(careless.url(), file)));
        assertTrue(refused.getMessage().contains("synchronous_commit=off"), refused.getMessage());
      } finally {
        Files.delete(file);
      }
    }
  }

  @Test
  void aDatabaseMadeNonDurableWhileOpenIsRefusedUntilItIsDurableAgain() throws Exception {
    SignetdConfig.Ledger fresh = newLedger();
    SignetdConfig.Ledger config =
        new SignetdConfig.Ledger(
            fresh.url(), fresh.user(), fresh.password(), Duration.ofMillis(200));
    try (Database database = Database.open(config)) {
      JdbcAuditLog audit = new JdbcAuditLog(database);
      audit.record(event("while durable"));
      try {
        server.reconfigure(Map.of("synchronous_commit", "off"));
        LedgerException refused = awaitRefusal(audit);
        assertTrue(refused.getMessage().contains("synchronous_commit=off"), refused.getMessage());
      } finally {
        server.reconfigure(Map.of("synchronous_commit", "on"));
      }
      awaitAccepted(audit);
    }
  }

  private static LedgerException awaitRefusal(JdbcAuditLog audit) throws Exception {
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      try {
        audit.record(event("maybe refused"));
      } catch (LedgerException refused) {
        return refused;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "writes still accepted 60 s after synchronous_commit was switched off");
  }

  private static void awaitAccepted(JdbcAuditLog audit) throws Exception {
    Instant deadline = Instant.now().plusSeconds(60);
    while (true) {
      try {
        audit.record(event("durable again"));
        return;
      } catch (LedgerException stillRefused) {
        if (Instant.now().isAfter(deadline)) {
          throw stillRefused;
        }
        Thread.sleep(50);
      }
    }
  }

  private static AuditEvent event(String detail) {
    return new AuditEvent(
        Instant.now(),
        "tester",
        "",
        "test",
        "",
        "",
        AuditEvent.Decision.DENIED,
        "TEST",
        detail,
        "",
        "",
        "");
  }

  @Test
  void twoInstancesOpeningAFreshDatabaseTogetherMigrateItOnce() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    List<Callable<Integer>> openers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      openers.add(
          () -> {
            Database database = Database.open(config);
            synchronized (opened) {
              opened.add(database);
            }
            return 1;
          });
    }
    Concurrently.run(openers);
    LedgerContract.assertSchemaVersionsOnce(open(config));
  }
}
