package dev.signet.server.ledger.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.Nodes;
import dev.signet.server.testing.Concurrently;
import dev.signet.server.testing.TestSeals;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger contract on the embedded default: a SQLite file in WAL mode. It serves one signetd: a
 * lock file refuses a second instance, so where the contract's replicas would open another
 * instance, their concurrent writers share the one.
 */
class SqliteLedgerContractTest extends LedgerContract {
  private static final AtomicInteger FILES = new AtomicInteger();

  @TempDir Path directory;

  @Override
  protected SignetdConfig.Ledger newLedger() {
    Path file = directory.resolve("ledger-" + FILES.incrementAndGet() + ".db");
    return new SignetdConfig.Ledger("jdbc:sqlite:" + file, Optional.empty(), Optional.empty());
  }

  @Override
  protected SignetdConfig.Ledger ledgerMadeBeforeFlyway() throws Exception {
    Path file = directory.resolve("ledger-" + FILES.incrementAndGet() + ".db");
    try (InputStream fixture = Database.class.getResourceAsStream("ledger-before-flyway.db")) {
      Files.copy(fixture, file);
    }
    return new SignetdConfig.Ledger("jdbc:sqlite:" + file, Optional.empty(), Optional.empty());
  }

  @Override
  protected Database another(Database first, SignetdConfig.Ledger config) {
    return first;
  }

  /**
   * Recording a certificate writes its row and no index entry: SQLite rewrites the entries of every
   * index whose columns, or whose partial condition's columns, an UPDATE sets (the request-id
   * index's condition named the state until migration 12: a page at a random place per
   * certificate). Read from the statement's program: one row insert (the row rewritten in place),
   * no index insert or delete.
   */
  @Test
  void recordingACertificateWritesNoIndexEntry() throws Exception {
    Database database = open(newLedger());
    Map<String, Integer> opcodes = new HashMap<>();
    try (Connection connection = database.connection()) {
      try (PreparedStatement explain =
              connection.prepareStatement("EXPLAIN " + JdbcCertificateStore.RECORD_ISSUED);
          ResultSet program = explain.executeQuery()) {
        while (program.next()) {
          opcodes.merge(program.getString("opcode"), 1, Integer::sum);
        }
      }
      connection.commit();
    }

    assertEquals(1, opcodes.getOrDefault("Insert", 0), "the row, rewritten: " + opcodes);
    assertEquals(0, opcodes.getOrDefault("IdxInsert", 0), "index entries added: " + opcodes);
    assertEquals(0, opcodes.getOrDefault("IdxDelete", 0), "index entries removed: " + opcodes);
  }

  @Test
  void aSecondInstanceOnTheSameFileIsRefusedAndTheFirstKeepsWorking() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    Database first = open(config);

    LedgerException refused = assertThrows(LedgerException.class, () -> Database.open(config));

    assertTrue(
        refused.getMessage().contains("in use by another signetd process"), refused.getMessage());
    JdbcNodes nodes = new JdbcNodes(first, TestSeals.keyed());
    nodes.register(new Nodes.Node("worker-1", List.of("192.0.2.1"), "operator", Instant.now()));
    assertEquals(List.of("192.0.2.1"), nodes.find("worker-1").orElseThrow().addresses());
  }

  @Test
  void twoInstancesOpeningANewFileTogetherLeaveOneOpenAndTheOtherRefused() throws Exception {
    SignetdConfig.Ledger config = newLedger();
    List<Callable<Boolean>> openers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      openers.add(
          () -> {
            try {
              Database database = Database.open(config);
              synchronized (opened) {
                opened.add(database);
              }
              return true;
            } catch (LedgerException e) {
              assertTrue(
                  e.getMessage().contains("in use by another signetd process"), e.getMessage());
              return false;
            }
          });
    }

    List<Boolean> results = Concurrently.run(openers);

    assertEquals(1, results.stream().filter(Boolean::booleanValue).count(), results.toString());
    assertSchemaVersionsOnce(opened.get(0));
  }
}
