package dev.signet.client.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} on every command (subcommands have no version of their own to show). */
public final class HelpOption {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;
}
