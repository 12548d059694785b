package dev.signet.server.cli;

import dev.signet.common.Durations;
import dev.signet.common.HostPort;
import dev.signet.common.SignetdChannel;
import dev.signet.server.config.ConfigException;
import dev.signet.server.config.SignetdConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
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
    HostPort daemon;
    try {
      daemon = HostPort.parse(address);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("the daemon's address: " + e.getMessage() + "; give --server");
    }
    Duration deadline;
    try {
      deadline = Durations.parse(timeout);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--timeout: " + e.getMessage());
    }
    ManagedChannel channel =
        SignetdChannel.open(
            daemon,
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
    return new HostPort(host, config.listen().port()).toString();
  }
}
