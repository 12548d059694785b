package dev.signet.client.testing;

import dev.signet.client.Signet;
import dev.signet.server.testing.TestDaemon;
import java.io.PrintWriter;
import java.io.StringWriter;
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

  /** The operator's client configuration, with another server address. */
  public static List<String> connection(TestDaemon daemon, String server) {
    Path operator = daemon.operatorDirectory();
    return List.of("--config", operator.resolve("signet.yaml").toString(), "--server", server);
  }
}
