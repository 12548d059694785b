package dev.signet.server.testing;

import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.CaGrpc;
import dev.signet.api.v1.CredentialsGrpc;
import dev.signet.api.v1.IssuanceGrpc;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.LedgerGrpc;
import dev.signet.api.v1.ServiceAccountKeysGrpc;
import dev.signet.common.HostPort;
import dev.signet.common.Pem;
import dev.signet.common.SignetdChannel;
import dev.signet.common.TlsKeys;
import dev.signet.server.x509.X509;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real mutual-TLS gRPC client of a test daemon on loopback. */
public final class ApiClient implements AutoCloseable {
  private final ManagedChannel channel;

  private ApiClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /** Connects with a client credential (certificate and key files); null ones mean none. */
  public static ApiClient connect(int port, Path caBundle, Path certificate, Path key)
      throws IOException {
    return new ApiClient(
        SignetdChannel.open(new HostPort("127.0.0.1", port), caBundle, certificate, key));
  }

  /**
   * Client TLS settings trusting {@code trusted}, with a credential held in memory ({@code key}
   * null for none). Many simulated callers (the fleet benchmark) keep one each and reconnect with
   * it.
   */
  public static SslContext tls(X509Certificate[] trusted, PrivateKey key, X509Certificate... chain)
      throws IOException {
    SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(trusted);
    if (key != null) {
      tls.keyManager(TlsKeys.of(key, List.of(chain)));
    }
    return tls.build();
  }

  /** A client on a channel made elsewhere (its own source address, say); closes it when closed. */
  public static ApiClient of(ManagedChannel channel) {
    return new ApiClient(channel);
  }

  /** Opens a new channel (its own connection and TLS handshake) with these settings. */
  public static ApiClient connect(int port, SslContext tls) {
    return new ApiClient(NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls).build());
  }

  /** The certificates of a PEM file. */
  public static X509Certificate[] readCertificates(Path file) throws IOException {
    return Pem.readCertificates(Files.readString(file)).stream()
        .map(X509::parse)
        .toArray(X509Certificate[]::new);
  }

  /** Connects as the operator credential that {@code signetd init} wrote. */
  public static ApiClient asOperator(TestToken token, int port) throws IOException {
    return asOperator(token.directory(), port);
  }

  /** Connects as the operator of the daemon whose signetd.yaml is in {@code directory}. */
  public static ApiClient asOperator(Path directory, int port) throws IOException {
    Path operator = directory.resolve("operator");
    return connect(
        port,
        operator.resolve("ca.crt"),
        operator.resolve("operator.crt"),
        operator.resolve("operator.key"));
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

  public ServiceAccountKeysGrpc.ServiceAccountKeysBlockingStub serviceAccountKeys() {
    return ServiceAccountKeysGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  public AuditGrpc.AuditBlockingStub audit() {
    return AuditGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public IssuanceGrpc.IssuanceBlockingStub issuance() {
    return IssuanceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** A kubelet client certificate for {@code node}, for a fresh P-256 key. */
  public IssueCertificateResponse issueKubeletClient(String node) {
    return issuance()
        .issueKubeletClient(
            IssueKubeletClientRequest.newBuilder()
                .setNodeName(node)
                .setCsrDer(Keys.csrBytes(Keys.ec()))
                .build());
  }

  public HealthGrpc.HealthBlockingStub health() {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
