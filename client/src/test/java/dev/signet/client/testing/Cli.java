package dev.signet.client.testing;

import dev.signet.client.cli.Signet;
import dev.signet.server.testing.TestDaemon;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the signet CLI in-process, as a user would, against a test daemon. */
public final class Cli {
  /** What one command line printed and returned. */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
    }
  }

  private Cli() {}

  public static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Signet.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * Runs a command with the operator credential of {@code daemon}: its client configuration (as
   * signetd init wrote it) and, since that names port 0 in tests, the real port on the command
   * line.
   */
  public static Result as(TestDaemon daemon, String... args) {
    return run(withConnection(daemon, args));
  }

  /**
   * Runs a command in a child JVM started through {@code wrapper} (such as {@code faketime -f
   * -400d}, which a JVM already running cannot be put under).
   */
  public static Result inChildJvm(List<String> wrapper, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(wrapper);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // as the agents' child JVMs: a short run costs less CPU with the first-tier JIT alone
    command.addAll(
        List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            Signet.class.getName()));
    command.addAll(List.of(args));
    Path err = Files.createTempFile("signet-", ".err");
    try {
      Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(command + " did not finish");
      }
      return new Result(process.exitValue(), out, Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
    }
  }

  public static String[] withConnection(TestDaemon daemon, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(connection(daemon));
    return all.toArray(new String[0]);
  }

  public static List<String> connection(TestDaemon daemon) {
    return connection(daemon, "127.0.0.1:" + daemon.port());
  }

  /**
   * Writes a client configuration {@code file} for the credential in {@code credential} (a
   * directory holding client.crt and client.key, as {@link TestDaemon#credential} makes) and {@code
   * daemon}'s real port, followed by {@code moreLines} (an agent section).
   */
  public static Path clientConfig(
      TestDaemon daemon, Path credential, Path file, String... moreLines) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("server: \"127.0.0.1:" + daemon.port() + "\"");
    lines.add("caBundle: " + daemon.operatorDirectory().resolve("ca.crt"));
    lines.add("certificate: " + credential.resolve("client.crt"));
    lines.add("key: " + credential.resolve("client.key"));
    lines.addAll(List.of(moreLines));
    Files.createDirectories(file.getParent());
    return Files.writeString(file, String.join("\n", lines) + "\n");
  }

  /** The operator's client configuration, with another server address. */
  public static List<String> connection(TestDaemon daemon, String server) {
    return connection(daemon.operatorDirectory(), server);
  }

  /**
   * The client configuration signetd init wrote into {@code operator}, with this server address.
   */
  public static List<String> connection(Path operator, String server) {
    return List.of("--config", operator.resolve("signet.yaml").toString(), "--server", server);
  }
}
