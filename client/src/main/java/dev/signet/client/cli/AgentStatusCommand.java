package dev.signet.client.cli;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.agent.AgentState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet agent status}: what the agent last wrote about a directory. */
@Command(
    name = "status",
    header =
        "Show what the agent manages in a directory: expiry, next renewal, last result, failures.",
    description =
        "Reads DIR/.signet/agent-state.json, which the agent rewrites after every pass; needs neither the agent nor signetd. Times are UTC. Says whether the agent that wrote it still runs.",
    sortOptions = false,
    customSynopsis = "signet agent status --dir DIR [-o table|json]%n",
    footer = {
      "%nWith -o json: the state file as written (version, pid, started, updated, lastContact,",
      "contactFailuresInARow, hookRuns, hookFailures, certificates[], caFiles[]).",
      "",
      "Example:",
      "  signet agent status --dir /etc/kubernetes"
    })
public final class AgentStatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "The agent's directory, e.g. /etc/kubernetes. Required.")
  Path dir;

  @Mixin OutputFormatOption format;

  @Override
  public Integer call() {
    boolean json = format.json();
    Path root = directory(dir);
    PrintWriter out = spec.commandLine().getOut();
    try {
      Optional<AgentState> state = AgentState.read(root);
      if (state.isEmpty()) {
        throw new SignetException(
            ExitCode.USAGE,
            "no "
                + AgentState.FILE
                + " in "
                + root
                + ": no agent has run there yet (signet agent --dir "
                + root
                + ").");
      }
      out.print(json ? AgentState.readText(root).orElseThrow() : state.get().table(Instant.now()));
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.OUTPUT,
          "cannot read the agent state in " + root + ": " + SignetException.describe(e),
          e);
    }
    out.flush();
    return ExitCode.OK.code();
  }

  /** The --dir of the agent's commands: required, and a directory. */
  static Path directory(Path dir) {
    if (dir == null) {
      throw new SignetException(
          ExitCode.USAGE,
          "--dir DIR is required: the directory signet wrote into, e.g. /etc/kubernetes.");
    }
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new SignetException(
          ExitCode.USAGE, root + " is not a directory; give the --dir signet wrote into.");
    }
    return root;
  }
}
