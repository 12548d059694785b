package dev.signet.client.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code signet agent} in a child JVM, as systemd runs it: its own process, its output in a log
 * file, SIGHUP to check at once, SIGTERM to stop.
 */
public final class AgentProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private AgentProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code signet agent ARGS}, its output (both streams) going to {@code log}. */
  public static AgentProcess start(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    // SIGHUP as it is for an agent under systemd, even when the build runs under nohup (which the
    // JVM would inherit, and then keep ignoring SIGHUP); env execs, so the pid stays the JVM's
    command.addAll(List.of("env", "--default-signal=HUP"));
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // small and quick to start: several agents share the test machine with etcd and signetd
    command.addAll(
        List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Duser.timezone=UTC"));
    command.addAll(
        List.of(
            "-cp", System.getProperty("java.class.path"), "dev.signet.client.cli.Signet", "agent"));
    command.addAll(List.of(args));
    Files.createDirectories(log.toAbsolutePath().getParent());
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new AgentProcess(process, log);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the agent printed so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  public List<String> logLines() throws IOException {
    return Files.readAllLines(log);
  }

  /** Waits until a line of the log passes {@code test}; fails with the log's tail otherwise. */
  public String awaitLine(Predicate<String> test, Duration timeout, String what) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      for (String line : logLines()) {
        if (test.test(line)) {
          return line;
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            "the agent exited (" + process.exitValue() + ") before " + what + ":\n" + tail());
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no " + what + " within " + timeout + ":\n" + tail());
  }

  /** The last lines of the log, for failure messages. */
  public String tail() throws IOException {
    List<String> lines = logLines();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** SIGHUP: check and retry at once. */
  public void hangUp() throws Exception {
    Tools.Run kill = Tools.run(List.of("/bin/sh", "-c", "kill -HUP " + process.pid()), Map.of());
    if (kill.exitCode() != 0) {
      throw new IOException("kill -HUP failed: " + kill.output());
    }
  }

  /** SIGTERM, then the exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(45, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the agent did not stop within 45 s of SIGTERM");
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(45, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
