package dev.signet.server.testing;

import com.google.common.base.Splitter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.postgresql.PGConnection;

/**
 * A real PostgreSQL server (Debian's postgresql package) for one test class, in a temporary
 * directory of its own, listening on 127.0.0.1 and a free port only.
 *
 * <p>initdb refuses to run as root, so as root every PostgreSQL program runs through {@code runuser
 * -u postgres} (the Debian package creates that user; bin/test installs it) and the directory
 * belongs to that user. Passwords are random, travel in files (initdb's {@code --pwfile}) or JDBC
 * properties, never on a command line. Durability is PostgreSQL's default, stated explicitly
 * ({@code fsync = on}, {@code synchronous_commit = on}) unless a test overrides it. Every program
 * call is bounded in time; a failure shows the server's log.
 */
public final class PostgresServer implements AutoCloseable {
  /** The database and the (non-superuser) role signetd uses. */
  public static final String DATABASE = "signet";

  public static final String USER = "signet";

  private static final String SUPERUSER = "postgres";
  private static final Duration PROGRAM_TIMEOUT = Duration.ofSeconds(90);
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static PostgresServer template; // see template()

  private final Path base;
  private final Path data;
  private final Path log;
  private final Path bin;
  private final List<String> runAs;
  private final int port;
  private final String superuserPassword;
  private final String password;

  /** Stops the server if the test JVM ends without {@link #close} (a crash, a timeout). */
  private final Thread stopAtExit = new Thread(this::stopQuietly, "stop-postgresql");

  private PostgresServer(
      Path base,
      Path bin,
      List<String> runAs,
      int port,
      String superuserPassword,
      String password) {
    this.base = base;
    this.data = base.resolve("data");
    this.log = base.resolve("postgresql.log");
    this.bin = bin;
    this.runAs = runAs;
    this.port = port;
    this.superuserPassword = superuserPassword;
    this.password = password;
  }

  /** A durable server (PostgreSQL's defaults) with database {@link #DATABASE} for {@link #USER}. */
  public static PostgresServer start() throws IOException, InterruptedException {
    return start(Map.of());
  }

  /**
   * A server with extra postgresql.conf settings, e.g. {@code synchronous_commit -> off}; they
   * override the defaults written here.
   */
  public static PostgresServer start(Map<String, String> settings)
      throws IOException, InterruptedException {
    PostgresServer template = template();
    for (int attempt = 1; ; attempt++) {
      PostgresServer server =
          new PostgresServer(
              Files.createTempDirectory("signet-pg-"),
              template.bin,
              template.runAs,
              freePort(),
              template.superuserPassword,
              randomSecret());
      try {
        server.copyCluster(template, settings);
        server.launch();
        Runtime.getRuntime().addShutdownHook(server.stopAtExit);
        server.createRoleAndDatabase();
        return server;
      } catch (IOException | InterruptedException | RuntimeException e) {
        // the free port was taken by someone else before the server bound it: another port
        boolean portTaken = server.log().contains("could not bind");
        server.close();
        if (!portTaken || attempt == 3) {
          throw e;
        }
      }
    }
  }

  /** The port it listens on, on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The JDBC URL of {@link #DATABASE}. */
  public String url() {
    return url(DATABASE);
  }

  private String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /**
   * Creates a new empty database owned by {@link #USER} and returns its URL: a clean ledger for
   * each test without a new server.
   */
  public String createDatabase() throws SQLException {
    String name = DATABASE + "_" + DATABASES.incrementAndGet();
    try (Connection connection = superuser();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name + " OWNER " + USER);
    }
    return url(name);
  }

  /**
   * Copies the database at {@code url} (nobody may be connected to it) into a new one owned by
   * {@link #USER} and returns its URL: a snapshot of a stopped daemon's ledger.
   */
  public String copyDatabase(String url) throws SQLException {
    String name = DATABASE + "_" + DATABASES.incrementAndGet();
    String source = url.substring(url.lastIndexOf('/') + 1);
    try (Connection connection = superuser();
        Statement statement = connection.createStatement()) {
      awaitNoSessions(connection, source);
      statement.execute("CREATE DATABASE " + name + " TEMPLATE " + source + " OWNER " + USER);
    }
    return url(name);
  }

  /**
   * A server backend ends a little after its client closed the connection, so a just-stopped
   * daemon's sessions may still be listed; CREATE DATABASE ... TEMPLATE refuses while they are.
   */
  private static void awaitNoSessions(Connection connection, String database) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
      query.setString(1, database);
      while (true) {
        try (ResultSet rows = query.executeQuery()) {
          rows.next();
          if (rows.getInt(1) == 0) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new SQLException(
              "sessions on "
                  + database
                  + " did not end within 60 s: "
                  + sessions(connection, database));
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SQLException("interrupted while waiting for sessions on " + database, e);
        }
      }
    }
  }

  /** Who is still connected to {@code database}: what a leaked pool left behind. */
  private static List<String> sessions(Connection connection, String database) throws SQLException {
    List<String> sessions = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT application_name, client_port, state, query FROM pg_stat_activity"
                + " WHERE datname = ? AND pid <> pg_backend_pid()")) {
      query.setString(1, database);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          sessions.add(
              rows.getString(1)
                  + " port "
                  + rows.getInt(2)
                  + " "
                  + rows.getString(3)
                  + ": "
                  + rows.getString(4));
        }
      }
    }
    return sessions;
  }

  /** Writes {@link #USER}'s password to {@code file}, readable by its owner only. */
  public Path writePasswordFile(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, password + "\n");
    return file;
  }

  /**
   * A connection to {@code url} as {@link #USER}, as an auditor with database access would open.
   */
  public Connection connect(String url) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    properties.setProperty("password", password);
    properties.setProperty("connectTimeout", "10");
    return DriverManager.getConnection(url, properties);
  }

  /** A connection to the maintenance database as the superuser. */
  private Connection superuser() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", SUPERUSER);
    properties.setProperty("password", superuserPassword);
    properties.setProperty("connectTimeout", "10");
    return DriverManager.getConnection(url("postgres"), properties);
  }

  /**
   * Changes settings on the running server as an operator would ({@code ALTER SYSTEM} and a
   * reload): sessions that are already connected take the new values before their next command.
   */
  public void reconfigure(Map<String, String> settings) throws SQLException {
    try (Connection connection = superuser();
        Statement statement = connection.createStatement()) {
      for (Map.Entry<String, String> setting : settings.entrySet()) {
        statement.execute(
            "ALTER SYSTEM SET " + setting.getKey() + " = '" + setting.getValue() + "'");
      }
      statement.execute("SELECT pg_reload_conf()");
    }
  }

  /** Starts the server again after {@link #stop} or {@link #crash}, on the same port. */
  public void startAgain() throws IOException, InterruptedException {
    launch();
  }

  /**
   * {@code pg_ctl stop -m MODE}: {@code immediate} ends every server process at once, without a
   * checkpoint (the next start replays the WAL); {@code fast} disconnects clients and shuts down
   * cleanly.
   */
  public void stop(String mode) throws IOException, InterruptedException {
    pgCtl("stop", "-m", mode);
  }

  /**
   * {@code kill -9} of the postmaster and every process it started, all at once: what a crash of
   * the database server does. Whatever was only in PostgreSQL's shared memory is gone; the OS keeps
   * what was written to files.
   */
  public void crash() throws IOException, InterruptedException {
    Optional<ProcessHandle> postmaster = postmaster();
    if (postmaster.isEmpty()) {
      throw new IllegalStateException("PostgreSQL is not running");
    }
    List<ProcessHandle> all = new ArrayList<>(postmaster.get().descendants().toList());
    all.add(0, postmaster.get());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle process : all) {
      try {
        process.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IOException("PostgreSQL process " + process.pid() + " survived kill -9", e);
      }
    }
  }

  /** The running postmaster, from its pid file. */
  private Optional<ProcessHandle> postmaster() throws IOException {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
  }

  /** The server's log so far. */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log) : "(no server log)";
    } catch (IOException e) {
      return "(server log unreadable: " + e.getMessage() + ")";
    }
  }

  private void stopQuietly() {
    try {
      stopIfRunning();
    } catch (IOException | InterruptedException e) {
      System.err.println("could not stop PostgreSQL in " + base + ": " + e.getMessage());
    }
  }

  private void stopIfRunning() throws IOException, InterruptedException {
    if (postmaster().isPresent()) {
      pgCtl("stop", "-m", "immediate");
    }
  }

  /** Stops the server (if it runs) and deletes its directory. */
  @Override
  public void close() throws IOException, InterruptedException {
    try {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    } catch (IllegalStateException exiting) {
      // the JVM is already exiting: the hook stops the server
    }
    try {
      stopIfRunning();
    } finally {
      deleteDirectory();
    }
  }

  private void deleteDirectory() throws IOException {
    try (Stream<Path> files = Files.walk(base)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }

  private void deleteQuietly() {
    try {
      deleteDirectory();
    } catch (IOException e) {
      System.err.println("could not delete " + base + ": " + e.getMessage());
    }
  }

  /**
   * The cluster every server of this JVM starts from a copy of, made by initdb once (a server's
   * start-up spent most of its CPU there: about 1 s, where the copy takes 0.1 s). Its servers share
   * its superuser password, a random secret of this JVM. It is never started, and deleted when the
   * JVM exits.
   */
  private static synchronized PostgresServer template() throws IOException, InterruptedException {
    if (template == null) {
      PostgresServer cluster =
          new PostgresServer(
              Files.createTempDirectory("signet-pg-template-"),
              binaries(),
              runAsUnprivileged(),
              0,
              randomSecret(),
              "");
      cluster.initdb();
      Runtime.getRuntime()
          .addShutdownHook(new Thread(cluster::deleteQuietly, "delete-postgresql-template"));
      template = cluster;
    }
    return template;
  }

  private void initdb() throws IOException, InterruptedException {
    Path passwordFile =
        Files.createFile(
            base.resolve("superuser.password"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(passwordFile, superuserPassword + "\n");
    chownToServerUser();
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            SUPERUSER,
            "--pwfile=" + passwordFile,
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            // the cluster's initial files need no fsync for a test; its commits do (fsync below)
            "--no-sync",
            "--no-instructions"));
    Files.delete(passwordFile);
  }

  /** This server's cluster: a copy of {@code template}'s, with its own settings. */
  private void copyCluster(PostgresServer template, Map<String, String> settings)
      throws IOException, InterruptedException {
    chownToServerUser();
    run(List.of("cp", "-a", template.data.toString(), data.toString()));
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("listen_addresses", "'127.0.0.1'");
    conf.put("port", Integer.toString(port));
    conf.put("unix_socket_directories", "'" + base + "'");
    conf.put("shared_buffers", "32MB");
    conf.put("fsync", "on");
    conf.put("synchronous_commit", "on");
    conf.putAll(settings);
    StringBuilder lines =
        new StringBuilder("\n# written by the Signet test fixture PostgresServer\n");
    conf.forEach((key, value) -> lines.append(key).append(" = ").append(value).append('\n'));
    Files.writeString(
        data.resolve("postgresql.conf"),
        lines.toString(),
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
  }

  private void launch() throws IOException, InterruptedException {
    pgCtl("start", "-l", log.toString());
  }

  private void createRoleAndDatabase() throws IOException {
    try (Connection connection = superuser();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE ROLE " + USER + " LOGIN");
      // the driver sends a SCRAM verifier: the password itself never reaches the server or its log
      connection
          .unwrap(PGConnection.class)
          .alterUserPassword(USER, password.toCharArray(), "scram-sha-256");
      statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    } catch (SQLException e) {
      throw new IOException("cannot create the test database: " + e.getMessage() + "\n" + log(), e);
    }
  }

  private void pgCtl(String... arguments) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString()));
    command.addAll(List.of("-w", "-t", Long.toString(PROGRAM_TIMEOUT.toSeconds() - 10)));
    command.addAll(List.of(arguments));
    run(command);
  }

  /** Runs a PostgreSQL program as the server's user, bounded in time; fails with its output. */
  private void run(List<String> program) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(runAs);
    command.addAll(program);
    Path output = Files.createTempFile("signet-pg-command-", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(base.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(PROGRAM_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IOException(
            describe(program, "did not finish within " + PROGRAM_TIMEOUT, output));
      }
      if (process.exitValue() != 0) {
        throw new IOException(describe(program, "exited with " + process.exitValue(), output));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private String describe(List<String> program, String what, Path output) throws IOException {
    return Path.of(program.get(0)).getFileName()
        + " "
        + program.get(program.size() - 1)
        + " "
        + what
        + ":\n"
        + Files.readString(output)
        + "\n--- server log ---\n"
        + log();
  }

  private void chownToServerUser() throws IOException, InterruptedException {
    if (runAs.isEmpty()) {
      return;
    }
    Process chown =
        new ProcessBuilder("chown", "-R", SUPERUSER + ":", base.toString()).inheritIO().start();
    if (!chown.waitFor(30, TimeUnit.SECONDS) || chown.exitValue() != 0) {
      throw new IOException("cannot give " + base + " to user " + SUPERUSER);
    }
  }

  /** As root, run through runuser as the postgres user; otherwise as ourselves. */
  private static List<String> runAsUnprivileged() throws IOException {
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    if (uid != 0) {
      return List.of();
    }
    boolean userExists =
        Files.readAllLines(Path.of("/etc/passwd")).stream()
            .anyMatch(line -> line.startsWith(SUPERUSER + ":"));
    if (!userExists) {
      throw new IOException(
          "PostgreSQL refuses to run as root and there is no user '"
              + SUPERUSER
              + "' to run it as:"
              + " install Debian's postgresql package (bin/test does, as root), which creates it");
    }
    return List.of("runuser", "-u", SUPERUSER, "--");
  }

  /**
   * initdb and pg_ctl: Debian's /usr/lib/postgresql/VERSION/bin (newest first), then what {@code
   * pg_config --bindir} names, then the PATH.
   */
  private static Path binaries() throws IOException, InterruptedException {
    List<Path> candidates = new ArrayList<>();
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        versions
            .sorted(
                Comparator.comparing((Path p) -> versionOf(p.getFileName().toString())).reversed())
            .forEach(version -> candidates.add(version.resolve("bin")));
      }
    }
    try {
      Process pgConfig =
          new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
      String out =
          new String(pgConfig.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (pgConfig.waitFor(10, TimeUnit.SECONDS) && pgConfig.exitValue() == 0) {
        candidates.add(Path.of(out));
      }
    } catch (IOException e) {
      // no pg_config: try the PATH
    }
    for (String directory : Splitter.on(':').split(System.getenv().getOrDefault("PATH", ""))) {
      if (!directory.isEmpty()) {
        candidates.add(Path.of(directory));
      }
    }
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate.resolve("initdb"))
          && Files.isExecutable(candidate.resolve("pg_ctl"))) {
        return candidate;
      }
    }
    throw new IOException(
        "PostgreSQL's initdb and pg_ctl were not found (looked in "
            + candidates
            + "):"
            + " apt-get install -y postgresql (bin/test does, as root)");
  }

  private static int versionOf(String name) {
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String randomSecret() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
