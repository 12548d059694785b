package dev.signet.server.testing;

import dev.signet.api.v1.IssueApiCredentialRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.Role;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Pem;
import dev.signet.server.cli.Signetd;
import dev.signet.server.config.ConfigLoader;
import dev.signet.server.daemon.Daemon;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.InMemoryKeyStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

/**
 * A signetd for a test, in the test's own JVM: {@code signetd init} run (the real command), the
 * daemon assembled by {@link Daemon} as {@code signetd serve} assembles it, serving real mutual TLS
 * on a free loopback port, its ledger a SQLite file in a temporary directory, and a client holding
 * the operator credential. Its keys are in an {@link InMemoryKeyStore} that outlives {@link #stop},
 * so that {@link #restart} finds them. Starts in about a second; the token itself is tested by the
 * key store contract and by the process tests ({@link DaemonProcess}).
 */
public final class TestDaemon implements AutoCloseable {
  private final Path directory;
  private final Path config;
  private final CaKeyStore keys;
  private Daemon daemon;
  private ApiClient operator;

  private TestDaemon(Path directory, Path config, CaKeyStore keys) {
    this.directory = directory;
    this.config = config;
    this.keys = keys;
  }

  /** Starts a daemon named {@code label} in a new temporary directory. */
  public static TestDaemon start(String label, DaemonConfig configuration) throws Exception {
    return start(label, configuration, configuration);
  }

  /**
   * Starts a daemon whose {@code signetd init} runs with {@code atInit} and which then serves with
   * {@code serving}: init issues the daemon's serving credential and the operator's with the API
   * credential lifetime of its configuration, so that credentials issued later can live minutes
   * while those two do not expire during the test.
   */
  public static TestDaemon start(String label, DaemonConfig atInit, DaemonConfig serving)
      throws Exception {
    Path directory = Files.createTempDirectory(label);
    TestDaemon daemon =
        new TestDaemon(directory, atInit.writeTo(directory), new InMemoryKeyStore(label));
    DaemonProcess.Result init = daemon.signetd("init", "-c", daemon.config.toString());
    if (init.exitCode() != 0) {
      throw new IllegalStateException("signetd init failed (" + init.exitCode() + "): " + init);
    }
    serving.writeTo(directory);
    daemon.restart();
    return daemon;
  }

  /**
   * Runs a signetd command in this JVM against this daemon's keys and configuration directory, as
   * {@code signetd ARGS} would run beside it.
   */
  public DaemonProcess.Result signetd(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        Signetd.run(
            configuration -> keys, new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new DaemonProcess.Result(exitCode, out.toString(), err.toString());
  }

  /** Starts serving again (after {@link #stop}) with the keys and ledger it had. */
  public void restart() throws Exception {
    if (daemon != null) {
      throw new IllegalStateException("the daemon is running");
    }
    daemon = Daemon.start(ConfigLoader.load(config), configuration -> keys);
    operator = ApiClient.asOperator(directory, daemon.port());
  }

  /** Stops the daemon as SIGTERM stops signetd: calls in flight finish, then everything closes. */
  public void stop() throws InterruptedException {
    if (daemon != null) {
      operator.close();
      daemon.close();
      daemon = null;
    }
  }

  public boolean isRunning() {
    return daemon != null;
  }

  /** Pulls the token out: the next signature fails as a device error (see InMemoryKeyStore). */
  public void pullToken() {
    ((InMemoryKeyStore) keys).pull();
  }

  /** The base URL of metrics and probes; {@code metrics.listen} must be set. */
  public String metricsUrl() {
    return "http://127.0.0.1:" + daemon.metricsPort().orElseThrow();
  }

  /** The running daemon's parts. */
  public Daemon daemon() {
    return daemon;
  }

  /** The directory of its configuration, ledger and credentials. */
  public Path directory() {
    return directory;
  }

  public Path config() {
    return config;
  }

  public int port() {
    return daemon.port();
  }

  /** The enrollment port (Bootstrap.Join, no client certificate). */
  public int enrollmentPort() {
    return daemon.enrollmentPort().orElseThrow();
  }

  /** The API client with the ca-admin credential {@code signetd init} wrote. */
  public ApiClient operator() {
    return operator;
  }

  /** The directory holding the operator credential and its client configuration. */
  public Path operatorDirectory() {
    return directory.resolve("operator");
  }

  /**
   * Connects with a new Signet API credential of {@code role} named {@code name}, issued by the
   * operator; for the node role, {@code nodeAddresses} are registered for the node.
   */
  public ApiClient connectAs(Role role, String name, String... nodeAddresses) throws Exception {
    Path credential = credential(role, name, nodeAddresses);
    return ApiClient.connect(
        port(),
        operatorDirectory().resolve("ca.crt"),
        credential.resolve("client.crt"),
        credential.resolve("client.key"));
  }

  /**
   * Issues a new Signet API credential as {@link #connectAs} does and returns the directory that
   * holds it, as {@code client.crt} and {@code client.key}, for a client that reads files.
   */
  public Path credential(Role role, String name, String... nodeAddresses) throws Exception {
    KeyPair keyPair = Keys.ec();
    IssueCertificateResponse credential =
        operator
            .credentials()
            .issueApiCredential(
                IssueApiCredentialRequest.newBuilder()
                    .setRole(role)
                    .setName(name)
                    .addAllNodeAddresses(List.of(nodeAddresses))
                    .setCsrDer(Keys.csrBytes(keyPair))
                    .build())
            .getCredential();
    Path credentialDirectory = Files.createTempDirectory(directory, "credential-");
    AtomicFiles.write(
        credentialDirectory.resolve("client.crt"),
        Pem.certificate(credential.getCertificateDer().toByteArray())
            .getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
    AtomicFiles.write(
        credentialDirectory.resolve("client.key"), Pem.privateKey(keyPair), AtomicFiles.SECRET);
    return credentialDirectory;
  }

  /** A client of the enrollment port, without a client certificate, as a new node is. */
  public ApiClient enrollmentClient() throws Exception {
    return ApiClient.connect(enrollmentPort(), operatorDirectory().resolve("ca.crt"), null, null);
  }

  /** Its ledger, read directly as an auditor with file access would. */
  public LedgerRows ledger() {
    return new LedgerRows(directory.resolve("ledger.db"));
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
