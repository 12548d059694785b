package dev.signet.client.cli;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import picocli.CommandLine.Option;

/** {@code -o, --output table|json} of the commands that print a report. */
public final class OutputFormatOption {
  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table (default) or json.")
  String output;

  /** Whether JSON was asked for; anything but table or json is a usage error. */
  boolean json() {
    if (!output.equals("table") && !output.equals("json")) {
      throw new SignetException(
          ExitCode.USAGE, "--output must be table or json, not '" + output + "'");
    }
    return output.equals("json");
  }
}
