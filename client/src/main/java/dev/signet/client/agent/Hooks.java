package dev.signet.client.agent;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The commands configured per file, run after the agent wrote that file so that the component using
 * it loads it (restart etcd, signal the kubelet). Each command runs once per pass of the agent
 * however many of its files changed, after all of them are written, through {@code /bin/sh -c} in
 * the agent's directory, its output going where the agent's goes. A command still running after the
 * timeout is killed with its child processes. A failing hook is logged and counted; the renewal
 * stands.
 */
final class Hooks {
  /** What one run of a hook came to. */
  record Run(String command, List<Path> files, boolean succeeded) {}

  private final Map<Path, String> byFile;
  private final Duration timeout;
  private final Path directory;
  private final Consumer<String> log;

  /** {@code configured} maps files (relative to {@code directory}, or absolute) to commands. */
  Hooks(Map<String, String> configured, Duration timeout, Path directory, Consumer<String> log) {
    Map<Path, String> resolved = new LinkedHashMap<>();
    configured.forEach(
        (file, command) ->
            resolved.put(directory.resolve(file).toAbsolutePath().normalize(), command));
    this.byFile = resolved;
    this.timeout = timeout;
    this.directory = directory.toAbsolutePath().normalize();
    this.log = log;
  }

  /** The files that have a hook, as absolute paths. */
  Collection<Path> files() {
    return byFile.keySet();
  }

  /** Runs the hooks of the files written, each command once, in the order of the configuration. */
  List<Run> runFor(Collection<Path> written) {
    Map<String, List<Path>> commands = new LinkedHashMap<>();
    byFile.forEach(
        (file, command) -> {
          if (written.contains(file)) {
            commands.computeIfAbsent(command, c -> new ArrayList<>()).add(file);
          }
        });
    List<Run> runs = new ArrayList<>();
    commands.forEach((command, files) -> runs.add(new Run(command, files, run(command, files))));
    return runs;
  }

  private boolean run(String command, List<Path> files) {
    String which =
        files.stream()
            .map(f -> f.startsWith(directory) ? directory.relativize(f).toString() : f.toString())
            .collect(Collectors.joining(", "));
    long started = System.nanoTime();
    Process process;
    try {
      ProcessBuilder builder =
          new ProcessBuilder("/bin/sh", "-c", command)
              .directory(directory.toFile())
              .redirectInput(Redirect.from(new File("/dev/null")))
              .redirectOutput(Redirect.INHERIT)
              .redirectError(Redirect.INHERIT);
      builder
          .environment()
          .put("SIGNET_FILES", files.stream().map(Path::toString).collect(Collectors.joining(" ")));
      process = builder.start();
    } catch (IOException e) {
      log.accept("hook for " + which + " could not start: " + e.getMessage());
      return false;
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        log.accept(
            "hook for "
                + which
                + " ("
                + command
                + ") still running after "
                + timeout.toSeconds()
                + " s: killed");
        return false;
      }
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      log.accept("hook for " + which + " (" + command + ") interrupted: the agent is stopping");
      return false;
    }
    int status = process.exitValue();
    String took = String.format("%.1f s", (System.nanoTime() - started) / 1e9);
    log.accept(
        "hook for "
            + which
            + " ("
            + command
            + ") "
            + (status == 0 ? "succeeded" : "failed with exit status " + status)
            + " after "
            + took);
    return status == 0;
  }
}
