package dev.signet.client.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --dir DIR}: the directory an earlier signet command wrote into and manages. */
final class ManagedDirectoryOption {
  @Option(
      names = "--dir",
      required = true,
      paramLabel = "DIR",
      description = "The directory signet wrote into, e.g. /etc/kubernetes.")
  Path dir;

  /** The directory, absolute and normalized. */
  Path root() {
    return dir.toAbsolutePath().normalize();
  }
}
