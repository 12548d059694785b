package dev.signet.server.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Makes concurrent ledger writes share their commits. A durable commit costs one fsync (3.4 ms on
 * the test machine's virtual disk, measured with SQLite in WAL mode and synchronous=FULL), and
 * every certificate needs two of them (the intent before signing, the certificate before
 * answering). One writer thread takes all the writes waiting at that moment, runs each under its
 * own savepoint (so one failed write does not undo the others), and commits them together: the wait
 * for the disk is paid once per batch instead of once per write, and no caller is ever told "done"
 * before the batch holding its write is durable. With a single caller nothing waits to form a
 * batch.
 */
public final class GroupCommitter implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(GroupCommitter.class.getName());
  private static final int MAX_BATCH = 64;
  private static final long MAX_WAIT_SECONDS = 30;

  /** One write, run on the writer's connection inside the batch's transaction. */
  @FunctionalInterface
  public interface Write<T> {
    T apply(Connection connection) throws SQLException;
  }

  private record Pending<T>(Write<T> write, CompletableFuture<T> result) {}

  private final Database database;
  private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile boolean closed;

  GroupCommitter(Database database) {
    this.database = database;
    this.writer = new Thread(this::writeBatches, "signet-ledger-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /** Runs {@code write} and returns once it is durably committed. */
  <T> T submit(Write<T> write) throws SQLException {
    if (closed) {
      throw new SQLException("the ledger is closed");
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    queue.add(new Pending<>(write, result));
    try {
      return result.get(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SQLException sql) {
        throw sql;
      }
      throw new SQLException("ledger write failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      // Its outcome is unknown; the caller reports the ledger unavailable and returns nothing.
      throw new SQLException("ledger write not committed within " + MAX_WAIT_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while waiting for the ledger", e);
    }
  }

  private void writeBatches() {
    List<Pending<?>> batch = new ArrayList<>();
    while (!closed) {
      try {
        Pending<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        commit(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.severe("ledger writer: " + e);
        batch.forEach(pending -> pending.result().completeExceptionally(e));
      } finally {
        batch.clear();
      }
    }
  }

  private void commit(List<Pending<?>> batch) {
    List<Runnable> completions = new ArrayList<>(batch.size());
    long start = System.nanoTime();
    Database.CommittedHead head;
    try (Connection connection = database.connection()) {
      try {
        database.refuseIfNotDurable();
        Database.LockedHead locked = lockHead(connection);
        database.holdHead(locked);
        Database.CommittedHead before = locked.snapshot();
        for (Pending<?> pending : batch) {
          completions.add(run(connection, locked, pending, batch.size() > 1));
        }
        head = locked.snapshot();
        if (!head.equals(before)) {
          try (PreparedStatement update =
              connection.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
            update.setLong(1, head.seq());
            update.setString(2, head.hash());
            update.executeUpdate();
          }
        }
        connection.commit();
      } catch (SQLException e) {
        rollbackQuietly(connection);
        throw e;
      } finally {
        database.holdHead(null);
      }
    } catch (SQLException e) {
      batch.forEach(pending -> pending.result().completeExceptionally(e));
      return;
    }
    database.commitObserver().committed(batch.size(), System.nanoTime() - start);
    database.committed(head);
    // Only now, with the batch durable, does any caller learn of its write's outcome.
    completions.forEach(Runnable::run);
  }

  /**
   * Begins the batch's transaction by locking the audit chain's head row, the one row that nearly
   * every write changes, and reads it: the batch's appends extend it in memory, and it is written
   * back once, before the commit. Every write transaction takes this lock first, so writers take
   * their locks in one order: on PostgreSQL, two replicas' batches can then never deadlock (one
   * holding the head while waiting for a request id the other inserted, the other waiting for the
   * head; PostgreSQL would abort one, and an already signed certificate could be left unrecorded);
   * on SQLite it takes the write lock at once, since a transaction that starts by reading cannot
   * upgrade once another connection has written (SQLITE_BUSY, without waiting).
   */
  private static Database.LockedHead lockHead(Connection connection) throws SQLException {
    try (Statement lock = connection.createStatement()) {
      lock.executeUpdate("UPDATE audit_head SET seq = seq WHERE id = 1");
      try (ResultSet row = lock.executeQuery("SELECT seq, hash FROM audit_head WHERE id = 1")) {
        if (!row.next()) {
          throw new SQLException("the audit chain has no head row");
        }
        return new Database.LockedHead(connection, row.getLong(1), row.getString(2));
      }
    }
  }

  /**
   * Runs one write; returns how to complete its caller after the commit. In a batch of several it
   * runs under a savepoint, so that its failure undoes it alone; a write alone in its batch needs
   * none (a savepoint costs SQLite two statements): its failure rolls back the whole transaction.
   */
  private static <T> Runnable run(
      Connection connection, Database.LockedHead head, Pending<T> pending, boolean batched)
      throws SQLException {
    Database.CommittedHead before = head.snapshot();
    Savepoint savepoint = batched ? connection.setSavepoint() : null;
    try {
      T value = pending.write().apply(connection);
      if (savepoint != null) {
        connection.releaseSavepoint(savepoint);
      }
      return () -> pending.result().complete(value);
    } catch (SQLException e) {
      if (savepoint != null) {
        connection.rollback(savepoint);
      } else {
        connection.rollback();
      }
      head.reset(before);
      return () -> pending.result().completeExceptionally(e);
    }
  }

  private static void rollbackQuietly(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool replaces it
    }
  }

  @Override
  public void close() {
    closed = true;
    writer.interrupt();
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Pending<?> pending = queue.poll(); pending != null; pending = queue.poll()) {
      pending.result().completeExceptionally(new SQLException("the ledger is closed"));
    }
  }
}
