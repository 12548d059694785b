package dev.signet.server.cli;

import dev.signet.server.config.ConfigException;
import dev.signet.server.daemon.Daemon;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.support.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code signetd}: the daemon that keeps a Kubernetes cluster's CA keys in a PKCS#11 token and
 * issues its certificates over mutual-TLS gRPC.
 */
@Command(
    name = "signetd",
    description = {
      "Signet's daemon: a Kubernetes certificate authority whose CA keys never leave a",
      "PKCS#11 token.",
      "",
      "Exit codes: 0 success, 1 unexpected error, 2 usage error, 3 configuration error,",
      "4 token error (wrong PIN, token or key missing), 5 ledger error, 6 audit trail",
      "broken, 7 the running daemon refused the request, 75 token failed while serving",
      "(restart to recover) or the running daemon could not be reached (try again)."
    },
    mixinStandardHelpOptions = true,
    version = "signetd 0.1.0",
    subcommands = {
      InitCommand.class,
      ServeCommand.class,
      AuditCommand.class,
      CaCommand.class,
      ServiceAccountKeyCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Signetd {
  static final int EXIT_UNEXPECTED = 1;
  static final int EXIT_CONFIG = 3;
  static final int EXIT_TOKEN = 4;
  static final int EXIT_LEDGER = 5;
  static final int EXIT_REFUSED = 7;
  static final int EXIT_TEMPORARY = 75;

  /** Where the commands that hold the keys (init, serve, audit verify) find them. */
  private final Daemon.KeyStoreOpener keyStore;

  private Signetd(Daemon.KeyStoreOpener keyStore) {
    this.keyStore = keyStore;
  }

  public static void main(String[] args) {
    Logging.configure();
    // The platform charset, which System.out and System.err encode with too.
    Charset console = Charset.defaultCharset();
    System.exit(
        run(
            Daemon.PKCS11,
            new PrintWriter(System.out, true, console),
            new PrintWriter(System.err, true, console),
            args));
  }

  /**
   * Runs a command line with keys from {@code keyStore} (the token, or a test's key store),
   * printing to the given streams; returns the exit code.
   */
  public static int run(
      Daemon.KeyStoreOpener keyStore, PrintWriter out, PrintWriter err, String... args) {
    CommandLine commandLine = new CommandLine(new Signetd(keyStore));
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(
        (exception, cmd, parseResult) -> {
          int code = exitCode(exception);
          err.println("signetd: " + message(exception));
          if (code == EXIT_UNEXPECTED) {
            Logger.getLogger(Signetd.class.getName())
                .log(Level.SEVERE, "unexpected error", exception);
          }
          return code;
        });
    return commandLine.execute(args);
  }

  /** The key store of the command line {@code spec} belongs to. */
  static Daemon.KeyStoreOpener keyStore(CommandSpec spec) {
    return ((Signetd) spec.root().userObject()).keyStore;
  }

  private static int exitCode(Exception exception) {
    if (exception instanceof ConfigException) {
      return EXIT_CONFIG;
    }
    if (exception instanceof TokenException) {
      return EXIT_TOKEN;
    }
    if (exception instanceof LedgerException) {
      return EXIT_LEDGER;
    }
    if (exception instanceof RunningDaemon.CallFailed failed) {
      return failed.refused() ? EXIT_REFUSED : EXIT_TEMPORARY;
    }
    if (exception instanceof IOException) {
      return EXIT_CONFIG;
    }
    return EXIT_UNEXPECTED;
  }

  private static String message(Exception exception) {
    if (exception.getMessage() == null) {
      return exception.getClass().getSimpleName();
    }
    return exception.getMessage();
  }
}
