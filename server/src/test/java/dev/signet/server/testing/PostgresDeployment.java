package dev.signet.server.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * signetd on a PostgreSQL ledger, as replicas are deployed: one token, {@code signetd init} run
 * once, and any number of replicas, each with its own configuration directory, all using the
 * serving credential and operator credential that init wrote (the token holds the CA keys, the
 * database everything else, so a replica needs nothing of its own).
 */
public final class PostgresDeployment {
  private final PostgresServer database;
  private final String url;
  private final TestToken token;
  private final Path directory;
  private final Path passwordFile;
  private String durabilityCheckInterval = "10s";

  private PostgresDeployment(
      PostgresServer database, String url, TestToken token, Path directory, Path passwordFile) {
    this.database = database;
    this.url = url;
    this.token = token;
    this.directory = directory;
    this.passwordFile = passwordFile;
  }

  /** Creates a token labelled {@code label} in {@code directory} and runs {@code signetd init}. */
  public static PostgresDeployment create(PostgresServer database, Path directory, String label)
      throws IOException, InterruptedException {
    return create(database, database.url(), directory, label);
  }

  /** As above, with signetd reaching the database at {@code url} (through a proxy, say). */
  public static PostgresDeployment create(
      PostgresServer database, String url, Path directory, String label)
      throws IOException, InterruptedException {
    TestToken token = TestToken.create(directory.resolve("hsm"), label);
    Path passwordFile = database.writePasswordFile(directory.resolve("ledger.password"));
    PostgresDeployment deployment =
        new PostgresDeployment(database, url, token, directory, passwordFile);
    DaemonProcess.init(token, deployment.config(0));
    return deployment;
  }

  /** ledger.durabilityCheckInterval of the replicas started from now on. */
  public PostgresDeployment durabilityCheckEvery(String interval) {
    durabilityCheckInterval = interval;
    return this;
  }

  /**
   * Writes replica {@code n}'s signetd.yaml: replica 0 lives next to the token (where init wrote
   * the credentials), the others in directories of their own that point at those credentials.
   */
  public Path config(int n) throws IOException {
    DaemonConfig config =
        new DaemonConfig()
            // room for the 32-way race on one bootstrap token across replicas
            .enrollmentCalls(64)
            .postgresLedger(url, PostgresServer.USER, passwordFile)
            .ledgerDurabilityCheck(durabilityCheckInterval);
    if (n == 0) {
      return config.writeTo(token);
    }
    Path first = token.directory();
    config.extra(
        String.join(
            "\n",
            "tls:",
            "  certificate: \"" + first.resolve("tls/signetd.crt") + "\"",
            "  key: \"" + first.resolve("tls/signetd.key") + "\"",
            "  operatorDirectory: \"" + first.resolve("operator") + "\""));
    return config.writeTo(token, directory.resolve("replica-" + n));
  }

  /** Starts replica {@code n}. */
  public DaemonProcess serve(int n, String... jvmOptions) throws IOException, InterruptedException {
    return DaemonProcess.serve(token, config(n), jvmOptions);
  }

  /** The operator (ca-admin) credential, connected to {@code replica}. */
  public ApiClient operator(DaemonProcess replica) throws IOException {
    return ApiClient.asOperator(token.directory(), replica.port());
  }

  /** A client of {@code replica}'s enrollment port, without a client certificate. */
  public ApiClient enrollment(DaemonProcess replica) throws IOException {
    return ApiClient.connect(
        replica.enrollmentPort(), token.directory().resolve("operator/ca.crt"), null, null);
  }

  /** An invariant checker reading this deployment's ledger database directly. */
  public InvariantChecker checker(List<X509Certificate> cas) {
    return InvariantChecker.postgres(database, database.url(), cas);
  }
}
