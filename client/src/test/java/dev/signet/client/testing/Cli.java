package dev.signet.client.testing;

import dev.signet.client.Signet;
import dev.signet.server.testing.TestDaemon;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
   * signetd init wrote it) and, since that names port 0 in tests, the real port on the command line.
   */
  public static Result as(TestDaemon daemon, String... args) {
    return run(withConnection(daemon, args));
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
   * directory holding client.crt and client.key, as {@link TestDaemon#credential} makes) and
   * {@code daemon}'s real port, followed by {@code moreLines} (an agent section).
   */
  public static Path clientConfig(TestDaemon daemon, Path credential, Path file, String... moreLines) throws IOException {
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
    Path operator = daemon.operatorDirectory();
    return List.of("--config", operator.resolve("signet.yaml").toString(), "--server", server);
  }
}
