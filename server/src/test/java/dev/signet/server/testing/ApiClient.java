package dev.signet.server.testing;

import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.CaGrpc;
import dev.signet.api.v1.CredentialsGrpc;
import dev.signet.api.v1.IssuanceGrpc;
import dev.signet.api.v1.LedgerGrpc;
import dev.signet.server.cli.RunningDaemon;
import dev.signet.server.x509.X509;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real mutual-TLS gRPC client of a test daemon on loopback. */
public final class ApiClient implements AutoCloseable {
  private final ManagedChannel channel;

  private ApiClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /** Connects with a client credential (certificate and key files); null ones mean none. */
  public static ApiClient connect(int port, Path caBundle, Path certificate, Path key) throws IOException {
    return new ApiClient(RunningDaemon.channel("127.0.0.1", port, caBundle, certificate, key));
  }

  /** Connects as the operator credential that {@code signetd init} wrote. */
  public static ApiClient asOperator(TestToken token, int port) throws IOException {
    return asOperator(token.directory(), port);
  }

  /** Connects as the operator of the daemon whose signetd.yaml is in {@code directory}. */
  public static ApiClient asOperator(Path directory, int port) throws IOException {
    Path operator = directory.resolve("operator");
    return connect(
        port, operator.resolve("ca.crt"), operator.resolve("operator.crt"), operator.resolve("operator.key"));
  }

  public CredentialsGrpc.CredentialsBlockingStub credentials() {
    return CredentialsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public BootstrapGrpc.BootstrapBlockingStub bootstrap() {
    return BootstrapGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public LedgerGrpc.LedgerBlockingStub ledger() {
    return LedgerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public CaGrpc.CaBlockingStub ca() {
    return CaGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  public AuditGrpc.AuditBlockingStub audit() {
    return AuditGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public IssuanceGrpc.IssuanceBlockingStub issuance() {
    return IssuanceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
