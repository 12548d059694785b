package dev.signet.server.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.audit.AuditChains;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.audit.JdbcAuditLog;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer runs a batch without savepoints and, when one write fails, runs the whole batch again
 * with a savepoint per write. A batch is made on purpose here: a first write holds the writer while
 * the others queue behind it, on a real SQLite ledger.
 */
class GroupCommitterTest {
  @TempDir Path directory;

  private Database database;
  private ExecutorService callers;

  @BeforeEach
  void open() throws LedgerException {
    database = SqliteLedgers.open(directory);
    callers = Executors.newCachedThreadPool();
  }

  @AfterEach
  void close() {
    callers.shutdownNow();
    database.close();
  }

  @Test
  void aFailedWriteUndoesItselfOnlyAndItsNeighboursCommitOnceThoughTheyRanTwice() throws Exception {
    List<AtomicInteger> runs = new ArrayList<>();
    List<Future<Object>> batch = new ArrayList<>();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Object> first =
        callers.submit(
            () ->
                database.write(
                    connection -> {
                      holding.countDown();
                      awaitQuietly(release);
                      return register(connection, "held");
                    }));
    assertTrue(holding.await(30, TimeUnit.SECONDS), "the first write holds the writer");
    // the third registers the held write's node again: a duplicate key, once it has committed
    List<String> nodes = List.of("a", "b", "held", "c", "d");
    for (String node : nodes) {
      AtomicInteger count = new AtomicInteger();
      runs.add(count);
      batch.add(
          callers.submit(
              () ->
                  database.write(
                      connection -> {
                        count.incrementAndGet();
                        return register(connection, node);
                      })));
      awaitWaiting(batch.size()); // queued in this order
    }
    release.countDown();

    assertEquals("held", first.get(30, TimeUnit.SECONDS));
    for (int i = 0; i < nodes.size(); i++) {
      if (i == 2) {
        ExecutionException failed =
            assertThrows(ExecutionException.class, () -> batch.get(2).get(30, TimeUnit.SECONDS));
        assertInstanceOf(SQLException.class, failed.getCause());
      } else {
        assertEquals(nodes.get(i), batch.get(i).get(30, TimeUnit.SECONDS));
      }
    }
    assertEquals(2, runs.get(0).get(), "run before the failure, then again with a savepoint");
    assertEquals(1, runs.get(4).get(), "run once: the first attempt stopped at the failure");
    try (Connection connection = database.connection()) {
      for (String node : List.of("held", "a", "b", "c", "d")) {
        assertEquals(1, count(connection, "SELECT COUNT(*) FROM nodes WHERE name = ?", node));
        assertEquals(
            1, count(connection, "SELECT COUNT(*) FROM audit_events WHERE node_name = ?", node));
      }
      AuditVerifier.Report report = AuditChains.verify(connection);
      connection.commit();
      assertTrue(report.intact(), report.toString());
    }
  }

  /** Registers a node and audits it in the same write. */
  private String register(Connection connection, String node) throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO nodes (name, addresses, registered_by, registered_at) VALUES (?, '', 'test', 0)")) {
      insert.setString(1, node);
      insert.executeUpdate();
    }
    JdbcAuditLog.append(
        connection,
        database,
        new AuditEvent(
            Instant.EPOCH,
            "test",
            "",
            "register",
            "",
            node,
            AuditEvent.Decision.APPROVED,
            "REGISTERED",
            "",
            "",
            "",
            ""));
    return node;
  }

  private void awaitWaiting(int writes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (database.writesWaiting() < writes) {
      assertTrue(System.nanoTime() < deadline, "writes queued: " + database.writesWaiting());
      Thread.sleep(5);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long count(Connection connection, String sql, String value) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, value);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }
}
