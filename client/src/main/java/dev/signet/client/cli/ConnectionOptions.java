package dev.signet.client.cli;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.rpc.ClientConfig;
import dev.signet.client.rpc.ConnectionSettings;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.Durations;
import dev.signet.common.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * How a command reaches signetd, shared by every command that calls it: each option can also come
 * from the client configuration file, and the command line wins.
 */
public final class ConnectionOptions {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  @ArgGroup(
      validate = false,
      heading = "%nConnection to signetd (command line overrides the client configuration):%n")
  Group group = new Group();

  static final class Group {
    @Option(
        names = "--server",
        paramLabel = "HOST:PORT",
        description = "signetd's address, e.g. 127.0.0.1:7443 or [::1]:7443.")
    String server;

    @Option(
        names = "--ca-bundle",
        paramLabel = "FILE",
        description =
            "The signet-api CA, operator/ca.crt from signetd init: it signed signetd's serving certificate.")
    Path caBundle;

    @Option(
        names = "--cert",
        paramLabel = "FILE",
        description = "This caller's certificate, issued by signetd (PEM).")
    Path certificate;

    @Option(names = "--key", paramLabel = "FILE", description = "The private key of --cert (PEM).")
    Path key;

    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "Client configuration with the keys server, caBundle, certificate, key and timeout (as signetd init writes it: operator/signet.yaml). Default: $SIGNET_CONFIG, else ~/.config/signet/signet.yaml if it exists.")
    Path config;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        converter = Converters.DurationConverter.class,
        description = "Deadline of each call to signetd, e.g. 30s or 2m. Default: 30s.")
    Duration timeout;
  }

  /** Opens a client with the merged settings; see {@link SignetClient#connect}. */
  public SignetClient connect() {
    return SignetClient.connect(settings());
  }

  /**
   * The client configuration file in use: --config, else $SIGNET_CONFIG or the one in the home
   * directory.
   */
  Optional<Path> configFile() {
    return group.config != null
        ? Optional.of(group.config)
        : ClientConfig.defaultFile(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  ConnectionSettings settings() {
    Optional<Path> file = configFile();
    ClientConfig config = file.map(ClientConfig::load).orElse(ClientConfig.empty());
    String server =
        group.server != null
            ? group.server
            : config.server().orElseThrow(() -> missing("--server HOST:PORT", "server"));
    HostPort address;
    try {
      address = HostPort.parse(server);
    } catch (IllegalArgumentException e) {
      throw new SignetException(
          group.server != null ? ExitCode.USAGE : ExitCode.CONFIG,
          "signetd address: " + e.getMessage());
    }
    Duration timeout = group.timeout;
    if (timeout == null) {
      try {
        timeout = config.timeout().map(Durations::parse).orElse(DEFAULT_TIMEOUT);
      } catch (IllegalArgumentException e) {
        throw new SignetException(
            ExitCode.CONFIG,
            "client configuration " + file.orElseThrow() + ": timeout: " + e.getMessage());
      }
    }
    return new ConnectionSettings(
        address,
        group.caBundle != null
            ? group.caBundle
            : config.caBundle().orElseThrow(() -> missing("--ca-bundle FILE", "caBundle")),
        group.certificate != null
            ? group.certificate
            : config.certificate().orElseThrow(() -> missing("--cert FILE", "certificate")),
        group.key != null
            ? group.key
            : config.key().orElseThrow(() -> missing("--key FILE", "key")),
        timeout);
  }

  private static SignetException missing(String option, String key) {
    return new SignetException(
        ExitCode.USAGE,
        "no "
            + option
            + ": give it, or a client configuration with '"
            + key
            + "' (--config FILE, $SIGNET_CONFIG or"
            + " ~/.config/signet/signet.yaml; signetd init writes one as operator/signet.yaml).");
  }
}
