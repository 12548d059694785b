package dev.signet.server.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * answering). One writer thread takes all the writes waiting at that moment, runs them in one
 * transaction and commits them together: the wait for the disk is paid once per batch instead of
 * once per write, and no caller is ever told "done" before the batch holding its write is durable.
 * One failed write does not undo the others: the batch is then run again with each write under its
 * own savepoint. With a single caller nothing waits to form a batch.
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

  /** How many writes wait for the writer. */
  int waiting() {
    return queue.size();
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
    long start = System.nanoTime();
    Optional<Attempt> done;
    try (Connection connection = database.connection()) {
      try {
        database.refuseIfNotDurable();
        done = attempt(connection, batch, false);
        if (done.isEmpty()) {
          // A write failed: undo the whole batch and run it again, each write under its own
          // savepoint, so that the failure undoes that write alone.
          connection.rollback();
          done = attempt(connection, batch, true);
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
    Attempt committed = done.orElseThrow();
    database.commitObserver().committed(batch.size(), System.nanoTime() - start);
    database.committed(committed.head());
    // Only now, with the batch durable, does any caller learn of its write's outcome.
    committed.completions().forEach(Runnable::run);
  }

  /** A batch run in the open transaction: the chain's head after it, and its callers' outcomes. */
  private record Attempt(Database.CommittedHead head, List<Runnable> completions) {}

  /**
   * Runs every write of the batch in one transaction. Without savepoints (SQLite runs two
   * statements for each) the first failure stops the attempt: empty, and the caller rolls back and
   * tries again with them. Every write can run again: it changes nothing but the transaction and
   * the chain's head, which the rollback and the head's new lock undo.
   */
  private Optional<Attempt> attempt(
      Connection connection, List<Pending<?>> batch, boolean savepoints) throws SQLException {
    Database.LockedHead locked = lockHead(connection);
    database.holdHead(locked);
    Database.CommittedHead before = locked.snapshot();
    List<Runnable> completions = new ArrayList<>(batch.size());
    for (Pending<?> pending : batch) {
      if (savepoints) {
        completions.add(runUnderSavepoint(connection, locked, pending));
      } else {
        try {
          completions.add(run(connection, pending));
        } catch (SQLException e) {
          return Optional.empty();
        }
      }
    }
    Database.CommittedHead head = locked.snapshot();
    if (!head.equals(before)) {
      try (PreparedStatement update =
          connection.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
        update.setLong(1, head.seq());
        update.setString(2, head.hash());
        update.executeUpdate();
      }
    }
    return Optional.of(new Attempt(head, completions));
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

  /** Runs one write; returns how to complete its caller after the commit. */
  private static <T> Runnable run(Connection connection, Pending<T> pending) throws SQLException {
    T value = pending.write().apply(connection);
    return () -> pending.result().complete(value);
  }

  /**
   * {@link #run} under a savepoint: a failure undoes this write alone, and its caller learns it.
   */
  private static Runnable runUnderSavepoint(
      Connection connection, Database.LockedHead head, Pending<?> pending) throws SQLException {
    Database.CommittedHead before = head.snapshot();
    Savepoint savepoint = connection.setSavepoint();
    try {
      Runnable completion = run(connection, pending);
      connection.releaseSavepoint(savepoint);
      return completion;
    } catch (SQLException e) {
      connection.rollback(savepoint);
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
