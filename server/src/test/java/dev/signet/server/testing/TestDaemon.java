package dev.signet.server.testing;

import dev.signet.api.v1.IssueApiCredentialRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.Role;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Pem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

/**
 * A running signetd for a test class: its own SoftHSM2 token, {@code signetd init} done, the daemon
 * serving on a free loopback port, and a client holding the operator credential.
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
    TestToken token = TestToken.create(Files.createTempDirectory(label).resolve("hsm"), label);
    Path config = atInit.writeTo(token);
    DaemonProcess.init(token, config);
    serving.writeTo(token);
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

  /** The enrollment port (Bootstrap.Join, no client certificate). */
  public int enrollmentPort() {
    return process.enrollmentPort();
  }

  /** The API client with the ca-admin credential {@code signetd init} wrote. */
  public ApiClient operator() {
    return operator;
  }

  /** The directory holding the operator credential and its client configuration. */
  public Path operatorDirectory() {
    return token.directory().resolve("operator");
  }

  /**
   * Connects with a new Signet API credential of {@code role} named {@code name}, issued by the
   * operator; for the node role, {@code nodeAddresses} are registered for the node.
   */
  public ApiClient connectAs(Role role, String name, String... nodeAddresses) throws Exception {
    Path directory = credential(role, name, nodeAddresses);
    return ApiClient.connect(
        port(),
        operatorDirectory().resolve("ca.crt"),
        directory.resolve("client.crt"),
        directory.resolve("client.key"));
  }

  /**
   * Issues a new Signet API credential as {@link #connectAs} does and returns the directory that
   * holds it, as {@code client.crt} and {@code client.key}, for a client that reads files.
   */
  public Path credential(Role role, String name, String... nodeAddresses) throws Exception {
    KeyPair keys = Keys.ec();
    IssueCertificateResponse credential =
        operator
            .credentials()
            .issueApiCredential(
                IssueApiCredentialRequest.newBuilder()
                    .setRole(role)
                    .setName(name)
                    .addAllNodeAddresses(List.of(nodeAddresses))
                    .setCsrDer(Keys.csrBytes(keys))
                    .build())
            .getCredential();
    Path directory = Files.createTempDirectory(token.directory(), "credential-");
    AtomicFiles.write(
        directory.resolve("client.crt"),
        Pem.certificate(credential.getCertificateDer().toByteArray())
            .getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
    AtomicFiles.write(directory.resolve("client.key"), Pem.privateKey(keys), AtomicFiles.SECRET);
    return directory;
  }

  /** A client of the enrollment port, without a client certificate, as a new node is. */
  public ApiClient enrollmentClient() throws Exception {
    return ApiClient.connect(
        process.enrollmentPort(), operatorDirectory().resolve("ca.crt"), null, null);
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
