package dev.signet.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A running signetd for a test class: its own SoftHSM2 token, {@code signetd init} done, the
 * daemon serving on a free loopback port, and a client holding the operator credential.
 */
public final class TestDaemon implements AutoCloseable {
  private final TestToken token;
  private final Path config;
  private final DaemonProcess process;
  private final ApiClient operator;

  private TestDaemon(TestToken token, Path config, DaemonProcess process, ApiClient operator) {
    this.token = token;
    this.config = config;
    this.process = process;
    this.operator = operator;
  }

  /** Starts a daemon with a token labelled {@code label} in a new temporary directory. */
  public static TestDaemon start(String label, DaemonConfig configuration) throws Exception {
    TestToken token = TestToken.create(Files.createTempDirectory(label).resolve("hsm"), label);
    Path config = configuration.writeTo(token);
    DaemonProcess.init(token, config);
    DaemonProcess process = DaemonProcess.serve(token, config);
    return new TestDaemon(token, config, process, ApiClient.asOperator(token, process.port()));
  }

  public TestToken token() {
    return token;
  }

  public Path config() {
    return config;
  }

  public DaemonProcess process() {
    return process;
  }

  public int port() {
    return process.port();
  }

  /** The API client with the ca-admin credential {@code signetd init} wrote. */
  public ApiClient operator() {
    return operator;
  }

  /** The directory holding the operator credential and its client configuration. */
  public Path operatorDirectory() {
    return token.directory().resolve("operator");
  }

  public LedgerRows ledger() {
    return LedgerRows.of(token);
  }

  @Override
  public void close() throws Exception {
    operator.close();
    process.close();
  }
}
