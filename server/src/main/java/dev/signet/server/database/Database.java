package dev.signet.server.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.signet.common.AtomicFiles;
import dev.signet.server.config.SignetdConfig;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.exception.FlywayValidateException;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The ledger's database: a connection pool, the schema migrations, and a start-up check that the
 * database keeps what it acknowledges.
 *
 * <p>Two engines, one schema. SQLite (a file next to the configuration) is the embedded default,
 * run in WAL mode with {@code synchronous=FULL}: every commit is fsync'd, so a {@code kill -9} or a
 * power cut loses nothing acknowledged (H2 in its default mode lost 12,972 acknowledged commits on
 * {@code kill -9} in our measurement). PostgreSQL serves several daemon replicas; Signet refuses to
 * start on one with {@code fsync} or {@code synchronous_commit} off, and since an operator can
 * switch them off while it runs, checks again periodically and refuses every write while they are
 * off.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Database.class.getName());

  enum Engine {
    SQLITE,
    POSTGRESQL
  }

  private final HikariDataSource pool;
  private final Engine engine;
  private final FileLock lock;
  private GroupCommitter writes;

  /**
   * Why the database does not keep what it acknowledges, found by the periodic check; null while it
   * does.
   */
  private volatile String notDurable;

  private volatile CommitObserver commits = (writes, nanos) -> {};

  /** Told of every durable commit of the group committer: how many writes, and how long. */
  @FunctionalInterface
  public interface CommitObserver {
    void committed(int writes, long nanos);
  }

  /** The audit chain's head (its last event's sequence number and hash) after a commit. */
  public record CommittedHead(long seq, String hash) {}

  /**
   * The audit chain's head while a batch of the writer holds the lock on it (see {@link
   * GroupCommitter}): the batch's appends extend it here, and the batch writes it back to {@code
   * audit_head} once, before its commit, instead of reading and updating that row per event.
   */
  public static final class LockedHead {
    private final Connection connection;
    private long seq;
    private String hash;

    LockedHead(Connection connection, long seq, String hash) {
      this.connection = connection;
      this.seq = seq;
      this.hash = hash;
    }

    public long seq() {
      return seq;
    }

    public String hash() {
      return hash;
    }

    /** The event {@code seq} with {@code hash} was appended in this batch. */
    public void advance(long seq, String hash) {
      this.seq = seq;
      this.hash = hash;
    }

    CommittedHead snapshot() {
      return new CommittedHead(seq, hash);
    }

    void reset(CommittedHead to) {
      seq = to.seq();
      hash = to.hash();
    }
  }

  /** Set by the writer thread for the length of a batch; read by appends on its connection. */
  private volatile LockedHead lockedHead;

  /** The audit chain's head as this process's newest committed write left it; null before. */
  private final AtomicReference<CommittedHead> committedHead = new AtomicReference<>();

  /** {@link #update}'s statements on SQLite, by physical connection and SQL. */
  private final IdentityHashMap<Connection, Map<String, PreparedStatement>> preparedStatements =
      new IdentityHashMap<>();

  private ScheduledExecutorService durabilityChecks;
  private ScheduledFuture<?> durabilityCheck;

  private Database(HikariDataSource pool, Engine engine, FileLock lock) {
    this.pool = pool;
    this.engine = engine;
    this.lock = lock;
  }

  /** Connects, checks durability and brings the schema up to date. */
  public static Database open(SignetdConfig.Ledger config) throws LedgerException {
    return open(config, true);
  }

  /**
   * Connects to read beside a running daemon ({@code signetd audit verify}): the embedded ledger is
   * not locked (SQLite lets readers in while one process writes) and the schema is not touched.
   */
  public static Database openToRead(SignetdConfig.Ledger config) throws LedgerException {
    return open(config, false);
  }

  private static Database open(SignetdConfig.Ledger config, boolean owner) throws LedgerException {
    Engine engine = config.url().startsWith("jdbc:sqlite:") ? Engine.SQLITE : Engine.POSTGRESQL;
    FileLock lock = null;
    if (engine == Engine.SQLITE) {
      SqliteNativeLibrary.useKeptCopy();
      Path file = Path.of(config.url().substring("jdbc:sqlite:".length()));
      if (owner) {
        createPrivately(file);
        lock = lockExclusively(file);
      } else if (!Files.isRegularFile(file)) {
        throw new LedgerException(
            "there is no ledger at " + file + ": run 'signetd init' first", null);
      }
    }
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("signet-ledger");
    hikari.setJdbcUrl(config.url());
    // Fail a request within seconds when a database server is away, instead of queueing it; the
    // pool validates connections, so issuance resumes by itself once the database is back. A
    // SQLite file is never away: its first connection (which loads the native library) only
    // waits for a busy machine, so it gets longer.
    hikari.setConnectionTimeout(engine == Engine.SQLITE ? 30_000 : 5_000);
    hikari.setValidationTimeout(2_000);
    hikari.setInitializationFailTimeout(-1);
    hikari.setAutoCommit(false);
    if (engine == Engine.SQLITE) {
      hikari.setMaximumPoolSize(4);
      hikari.addDataSourceProperty("journal_mode", "WAL");
      hikari.addDataSourceProperty("synchronous", "FULL");
      hikari.addDataSourceProperty("busy_timeout", "10000");
      // Deferred transactions (the default), not IMMEDIATE: the driver opens the next
      // transaction as soon as one commits, so IMMEDIATE would let every idle pooled connection
      // sit on the write lock. Each write transaction here starts with its write, so deferred
      // transactions never need to upgrade a read lock.
    } else {
      hikari.setMaximumPoolSize(16);
      config.user().ifPresent(hikari::setUsername);
      if (config.password().isPresent()) {
        char[] password = null;
        try {
          password = config.password().get().read();
          hikari.setPassword(new String(password));
        } catch (IOException e) {
          throw new LedgerException("cannot read ledger.password: " + e.getMessage(), e);
        } finally {
          if (password != null) {
            Arrays.fill(password, '\0');
          }
        }
      }
    }
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      release(lock);
      throw e;
    }
    Database database = new Database(pool, engine, lock);
    try {
      database.checkDurability();
      if (owner) {
        database.migrate();
      }
    } catch (LedgerException | RuntimeException e) {
      pool.close();
      release(lock);
      throw e;
    }
    database.writes = new GroupCommitter(database);
    if (engine == Engine.POSTGRESQL && owner) {
      database.checkDurabilityEvery(config.durabilityCheckInterval());
    }
    return database;
  }

  /**
   * Creates the SQLite file readable by its owner only, before SQLite does with the umask's
   * permissions; SQLite gives its WAL and shared-memory files the main file's permissions.
   */
  private static void createPrivately(Path file) throws LedgerException {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(AtomicFiles.SECRET));
        } catch (FileAlreadyExistsException openedAtTheSameTime) {
          // another process (or Database) created it between the check and here: just as good
        }
      }
    } catch (IOException e) {
      throw new LedgerException("cannot create the ledger file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether this daemon is the ledger's only user: true for the embedded SQLite file, which a lock
   * file keeps to one process; false for PostgreSQL, which replicas share.
   */
  public boolean exclusive() {
    return engine == Engine.SQLITE;
  }

  /** A pooled connection for reads (auto-commit off: commit or roll back when done). */
  public Connection connection() throws SQLException {
    return pool.getConnection();
  }

  /**
   * A connection whose transaction reads one snapshot throughout, for a check that spans several
   * queries while writers go on (verifying a live daemon's audit trail). PostgreSQL's default
   * isolation lets each statement see newer commits; SQLite's WAL read transaction is a snapshot.
   */
  public Connection snapshotConnection() throws SQLException {
    Connection connection = pool.getConnection();
    if (engine == Engine.POSTGRESQL) {
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    }
    return connection;
  }

  /**
   * Runs a write and returns once it is durably committed. Writes run one after another on a single
   * writer, which commits all writes waiting at that moment together (see {@link GroupCommitter});
   * each write is atomic on its own.
   */
  public <T> T write(GroupCommitter.Write<T> write) throws SQLException {
    return writes.submit(write);
  }

  /** How many writes wait for the ledger's writer (tests make batches with it). */
  int writesWaiting() {
    return writes.waiting();
  }

  /**
   * The audit chain's head held by the writer's current batch, when {@code connection} is that
   * batch's; empty for any other connection, whose appends read and update {@code audit_head}.
   */
  public Optional<LockedHead> lockedHead(Connection connection) {
    LockedHead head = lockedHead;
    return head != null && head.connection == connection ? Optional.of(head) : Optional.empty();
  }

  void holdHead(LockedHead head) {
    this.lockedHead = head;
  }

  /** Who is told of each group commit (metrics); replaces the previous observer. */
  public void observeCommits(CommitObserver observer) {
    this.commits = observer;
  }

  CommitObserver commitObserver() {
    return commits;
  }

  /**
   * As {@link #write(GroupCommitter.Write)}, reporting a failure as the ledger unavailable: "cannot
   * {@code what}" and the database's reason.
   */
  public <T> T write(String what, GroupCommitter.Write<T> write) throws LedgerException {
    try {
      return writes.submit(write);
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot " + what + ": " + e.getMessage(), e);
    }
  }

  /** Binds the parameters of a statement. */
  @FunctionalInterface
  public interface Parameters {
    void bind(PreparedStatement statement) throws SQLException;
  }

  /**
   * Runs an INSERT, UPDATE or DELETE inside a write; returns how many rows it changed. On SQLite
   * the statement is prepared once per physical connection and kept: preparing costs SQLite about
   * as much as running an insert, and every certificate runs four of these. PostgreSQL's driver
   * keeps its own server-side statements.
   */
  public int update(Connection connection, String sql, Parameters parameters) throws SQLException {
    if (engine != Engine.SQLITE) {
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        parameters.bind(statement);
        return statement.executeUpdate();
      }
    }
    // The pool's connection is a proxy that closes the statements made through it when it is
    // returned; the physical connection's outlive the borrow.
    Connection physical = connection.unwrap(Connection.class);
    PreparedStatement statement = prepared(physical, sql);
    try {
      parameters.bind(statement);
      return statement.executeUpdate();
    } finally {
      statement.clearParameters();
    }
  }

  private PreparedStatement prepared(Connection physical, String sql) throws SQLException {
    Map<String, PreparedStatement> statements;
    synchronized (preparedStatements) {
      statements = preparedStatements.get(physical);
      if (statements == null) {
        // a connection the pool retired takes its statements with it
        preparedStatements.keySet().removeIf(Database::closed);
        statements = new HashMap<>();
        preparedStatements.put(physical, statements);
      }
    }
    // a physical connection serves one borrower at a time
    PreparedStatement statement = statements.get(sql);
    if (statement == null || statement.isClosed()) {
      statement = physical.prepareStatement(sql);
      statements.put(sql, statement);
    }
    return statement;
  }

  private static boolean closed(Connection connection) {
    try {
      return connection.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  /** Reads the current row of a result. */
  @FunctionalInterface
  public interface Row<T> {
    T read(ResultSet row) throws SQLException;
  }

  /**
   * Runs one query on a pooled connection and reads every row it returns; the read transaction ends
   * with it. A failure is the ledger unavailable: "cannot read {@code what}".
   */
  public <T> List<T> query(String what, String sql, Parameters parameters, Row<T> row)
      throws LedgerException {
    try (Connection connection = connection();
        PreparedStatement query = connection.prepareStatement(sql)) {
      parameters.bind(query);
      List<T> results = new ArrayList<>();
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          results.add(row.read(rows));
        }
      }
      connection.commit();
      return results;
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  /** As {@link #query}, for the first row only. */
  public <T> Optional<T> queryFirst(String what, String sql, Parameters parameters, Row<T> row)
      throws LedgerException {
    return query(what, sql, parameters, row).stream().findFirst();
  }

  /**
   * Whether {@code e} says a unique constraint refused the row: SQLState 23505 on PostgreSQL,
   * SQLITE_CONSTRAINT (19) on SQLite.
   */
  public static boolean isDuplicateKey(SQLException e) {
    return "23505".equals(e.getSQLState()) || e.getErrorCode() == 19;
  }

  /**
   * The audit chain's head as this process's newest committed write left it. Events are never
   * removed, so a chain that ends before it, or differs at it, was cut or rewritten behind this
   * process's back (see AuditCheckpointer).
   */
  public Optional<CommittedHead> committedHead() {
    return Optional.ofNullable(committedHead.get());
  }

  void committed(CommittedHead head) {
    committedHead.accumulateAndGet(
        head, (current, next) -> current == null || next.seq() > current.seq() ? next : current);
  }

  /**
   * The clause that locks the rows a SELECT reads until the transaction ends: needed on PostgreSQL,
   * where replicas write concurrently; SQLite has one writer and no such clause.
   */
  public String forUpdate() {
    return engine == Engine.POSTGRESQL ? " FOR UPDATE" : "";
  }

  private void checkDurability() throws LedgerException {
    Optional<String> problem;
    try {
      problem = durabilityProblem();
    } catch (SQLException e) {
      throw new LedgerException.Unavailable(
          "cannot reach the ledger database: " + e.getMessage(), e);
    }
    if (problem.isPresent()) {
      throw new LedgerException(problem.get(), null);
    }
  }

  /** What makes the database lose acknowledged commits, if anything. */
  private Optional<String> durabilityProblem() throws SQLException {
    try (Connection connection = connection();
        Statement statement = connection.createStatement()) {
      Optional<String> problem;
      if (engine == Engine.SQLITE) {
        String journal = single(statement, "PRAGMA journal_mode");
        String synchronous = single(statement, "PRAGMA synchronous");
        problem =
            !journal.equalsIgnoreCase("wal") || Integer.parseInt(synchronous) < 2
                ? Optional.of(
                    "the SQLite ledger is not durable (journal_mode="
                        + journal
                        + ", synchronous="
                        + synchronous
                        + ")")
                : Optional.empty();
      } else {
        String fsync = single(statement, "SHOW fsync");
        String synchronousCommit = single(statement, "SHOW synchronous_commit");
        problem =
            !fsync.equals("on") || synchronousCommit.equals("off")
                ? Optional.of(
                    "PostgreSQL must run with fsync=on and synchronous_commit not off (found fsync="
                        + fsync
                        + ", synchronous_commit="
                        + synchronousCommit
                        + "): otherwise acknowledged certificates can be lost")
                : Optional.empty();
      }
      connection.commit();
      return problem;
    }
  }

  /**
   * Repeats the durability check; while it fails, every write is refused ({@link
   * #refuseIfNotDurable}), so nothing is acknowledged that a crash of the database could lose.
   */
  private void checkDurabilityEvery(Duration interval) {
    durabilityChecks =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "signet-ledger-durability");
              thread.setDaemon(true);
              return thread;
            });
    durabilityCheck =
        durabilityChecks.scheduleWithFixedDelay(
            () -> {
              try {
                String problem = durabilityProblem().orElse(null);
                if (problem != null && notDurable == null) {
                  LOG.severe(
                      "refusing every issuance until the ledger database is durable again: "
                          + problem);
                } else if (problem == null && notDurable != null) {
                  LOG.info("the ledger database is durable again; issuing");
                }
                notDurable = problem;
              } catch (SQLException e) {
                // unreachable: writes fail on their own, and the next check looks again
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Fails while the last periodic check found the database not durable. */
  void refuseIfNotDurable() throws SQLException {
    String problem = notDurable;
    if (problem != null) {
      throw new SQLException(problem);
    }
  }

  /**
   * Brings the schema up to date with Flyway, from the {@code V<n>__*.sql} files beside this class:
   * each applied once, in order, its checksum kept, so that an applied file edited later is refused
   * instead of silently diverging. Replicas starting together take Flyway's lock on PostgreSQL; the
   * embedded file is locked to this process already.
   *
   * <p>A ledger migrated by signetd before Flyway records its version in {@code schema_version}; it
   * is baselined at that version, and only the newer files are applied to it.
   *
   * <p>A ledger that has every bundled migration already, checksums included, is not handed to
   * Flyway at all ({@link Migrations}).
   */
  private void migrate() throws LedgerException {
    if (alreadyMigrated()) {
      return;
    }
    FluentConfiguration flyway =
        Flyway.configure(Database.class.getClassLoader())
            .dataSource(pool)
            .locations("classpath:dev/signet/server/database")
            // A migration applied by a newer signetd is an error here, not something to ignore.
            .ignoreMigrationPatterns(new String[0]);
    try {
      OptionalInt before = versionBeforeFlyway();
      if (before.isPresent()) {
        flyway
            .baselineOnMigrate(true)
            .baselineVersion(String.valueOf(before.getAsInt()))
            .baselineDescription("schema_version " + before.getAsInt() + ", before Flyway");
      }
      MigrateResult result = flyway.load().migrate();
      if (result.migrationsExecuted > 0) {
        LOG.info("ledger schema migrated to version " + result.targetSchemaVersion);
      }
    } catch (FlywayValidateException e) {
      throw new LedgerException(
          "the ledger's schema does not match this signetd's migrations (a newer signetd"
              + " migrated it, or a migration was changed after it was applied): "
              + e.getMessage(),
          e);
    } catch (SQLException | FlywayException e) {
      throw new LedgerException.Unavailable(
          "cannot migrate the ledger schema: " + e.getMessage(), e);
    }
  }

  /** {@link Migrations#applied}: whether Flyway would have nothing to do. */
  private boolean alreadyMigrated() {
    try {
      return readBeforeMigrating(Migrations::applied);
    } catch (SQLException e) {
      return false; // Flyway will meet the same problem and say what it is
    }
  }

  /** A read on one connection of the pool, before Flyway runs; nothing it does is kept. */
  private <T> T readBeforeMigrating(SchemaRead<T> read) throws SQLException {
    try (Connection connection = connection()) {
      try {
        return read.on(connection);
      } finally {
        connection.rollback();
      }
    }
  }

  private interface SchemaRead<T> {
    T on(Connection connection) throws SQLException;
  }

  /**
   * The version the migration runner before Flyway recorded, when Flyway has not taken over yet.
   */
  private OptionalInt versionBeforeFlyway() throws SQLException {
    return readBeforeMigrating(
        connection -> {
          if (hasTable(connection, Migrations.HISTORY) || !hasTable(connection, "schema_version")) {
            return OptionalInt.empty();
          }
          try (Statement statement = connection.createStatement();
              ResultSet rows = statement.executeQuery("SELECT MAX(version) FROM schema_version")) {
            rows.next();
            int version = rows.getInt(1);
            return version > 0 ? OptionalInt.of(version) : OptionalInt.empty();
          }
        });
  }

  static boolean hasTable(Connection connection, String table) throws SQLException {
    try (ResultSet tables = connection.getMetaData().getTables(null, null, table, null)) {
      return tables.next();
    }
  }

  private static String single(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  /**
   * Takes {@code <ledger>.lock}: two daemons on one embedded ledger would each settle the other's
   * in-flight intents as crashed. Replicas belong on PostgreSQL.
   */
  private static FileLock lockExclusively(Path file) throws LedgerException {
    Path lockFile = Path.of(file + ".lock");
    try {
      FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException heldInThisProcess) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new LedgerException(
            "the ledger "
                + file
                + " is in use by another signetd process: stop it first, and run replicas on"
                + " PostgreSQL",
            null);
      }
      return lock;
    } catch (IOException e) {
      throw new LedgerException("cannot lock the ledger " + file + ": " + e.getMessage(), e);
    }
  }

  private static void release(FileLock lock) {
    if (lock != null) {
      try {
        lock.channel().close();
      } catch (IOException ignored) {
        // closing the channel releases the lock either way
      }
    }
  }

  @Override
  public void close() {
    if (durabilityChecks != null) {
      durabilityCheck.cancel(false);
      durabilityChecks.shutdownNow();
    }
    if (writes != null) {
      writes.close();
    }
    pool.close();
    release(lock);
  }
}
