package dev.signet.server.cli;

import dev.signet.server.config.ConfigException;
import dev.signet.server.config.ConfigLoader;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.support.Logging;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -c/--config FILE}: the signetd.yaml every signetd command reads. */
public final class ConfigOption {
  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "signetd.yaml (of the running daemon, for commands that act on it).")
  Path file;

  /** The configuration, validated; logging takes its format from here on. */
  SignetdConfig load() throws ConfigException {
    SignetdConfig config = ConfigLoader.load(file);
    Logging.use(config.logging().format());
    return config;
  }
}
