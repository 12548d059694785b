package dev.signet.server.cli;

import dev.signet.common.Durations;
import dev.signet.common.Pem;
import dev.signet.server.config.ConfigException;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.x509.X509;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How the {@code signetd} commands that act on a running daemon ({@code ca rotate}, {@code ca
 * status}) reach it: its own API over mutual TLS, with the operator credential {@code signetd init}
 * wrote (or another ca-admin credential), at the address of its configuration. The daemon holds the
 * token session and the ledger, so these commands ask it rather than open them.
 */
public final class RunningDaemon {
  @Mixin ConfigOption configFile;

  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      description =
          "The daemon's address. Default: listen of the configuration (a wildcard host becomes its first tls.serverNames).")
  String server;

  @Option(
      names = "--cert",
      paramLabel = "FILE",
      description = "A ca-admin credential. Default: operator.crt in tls.operatorDirectory.")
  Path certificate;

  @Option(
      names = "--key",
      paramLabel = "FILE",
      description = "The key of --cert. Default: operator.key in tls.operatorDirectory.")
  Path key;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "Deadline of the call. Default: 60s.")
  String timeout;

  /** A call the daemon refused or could not answer, with what it said. */
  public static final class CallFailed extends RuntimeException {
    private final boolean refused;

    CallFailed(String message, boolean refused) {
      super(message);
      this.refused = refused;
    }

    /** True when the daemon answered no; false when it could not be reached or answer. */
    public boolean refused() {
      return refused;
    }
  }

  /** Calls the daemon once on a new channel; {@code call} receives it and the deadline. */
  <T> T call(String what, Function<Call, T> call) throws IOException, ConfigException {
    SignetdConfig config = configFile.load();
    Path operator = config.tls().operatorDirectory();
    String address = server != null ? server : operatorAddress(config);
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, Math.max(colon, 0)).replace("[", "").replace("]", "");
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new ConfigException(
          "the daemon's address '" + address + "' is not HOST:PORT; give --server HOST:PORT");
    }
    Duration deadline;
    try {
      deadline = Durations.parse(timeout);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--timeout: " + e.getMessage());
    }
    ManagedChannel channel =
        channel(
            host,
            port,
            operator.resolve("ca.crt"),
            certificate != null ? certificate : operator.resolve("operator.crt"),
            key != null ? key : operator.resolve("operator.key"));
    try {
      return call.apply(new Call(channel, deadline));
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      String said =
          status.getDescription() == null ? status.getCode().toString() : status.getDescription();
      boolean refused =
          switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNKNOWN, INTERNAL -> false;
            default -> true;
          };
      throw new CallFailed(
          (refused
                  ? "signetd refused " + what + ": "
                  : "signetd at " + address + " did not answer " + what + ": ")
              + said,
          refused);
    } finally {
      channel.shutdownNow();
    }
  }

  /** A channel and the deadline to give each stub. */
  public record Call(ManagedChannel channel, Duration deadline) {
    public <S extends io.grpc.stub.AbstractStub<S>> S withDeadline(S stub) {
      return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Where operators reach the daemon: its listen address, with a wildcard host replaced by the
   * first name its serving certificate carries.
   */
  public static String operatorAddress(SignetdConfig config) {
    String host = config.listen().host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      host = config.tls().serverNames().get(0);
    }
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + config.listen().port();
  }

  /**
   * A mutual-TLS channel to signetd: the daemon verified with {@code caBundle} (the signet-api CA),
   * this caller with {@code certificate} and {@code key}; a null certificate means none (the
   * enrollment port).
   */
  public static ManagedChannel channel(
      String host, int port, Path caBundle, Path certificate, Path key) throws IOException {
    SslContextBuilder tls =
        GrpcSslContexts.forClient()
            .trustManager(
                Pem.readCertificates(Files.readString(caBundle)).stream()
                    .map(X509::parse)
                    .toArray(X509Certificate[]::new))
            .protocols("TLSv1.3", "TLSv1.2");
    if (certificate != null) {
      byte[] pem = Files.readAllBytes(key);
      PrivateKey privateKey;
      try {
        privateKey = Pem.readPrivateKey(pem);
      } finally {
        Arrays.fill(pem, (byte) 0);
      }
      tls.keyManager(
          privateKey,
          Pem.readCertificates(Files.readString(certificate)).stream()
              .map(X509::parse)
              .toArray(X509Certificate[]::new));
    }
    return NettyChannelBuilder.forAddress(host, port).sslContext(tls.build()).build();
  }
}
