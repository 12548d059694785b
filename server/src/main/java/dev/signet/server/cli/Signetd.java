package dev.signet.server.cli;

import dev.signet.common.cli.Subcommands;
import dev.signet.server.config.ConfigException;
import dev.signet.server.daemon.Daemon;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.support.Logging;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code signetd}: the daemon that keeps a Kubernetes cluster's CA keys in a PKCS#11 token and
 * issues its certificates over mutual-TLS gRPC.
 */
@Command(
    name = "signetd",
    header =
        "Signet's daemon: a Kubernetes certificate authority whose CA keys never leave a PKCS#11"
            + " token.",
    description =
        "It issues each Kubernetes component's certificate over mutual-TLS gRPC, built from the"
            + " component's profile, and records every certificate durably before returning it.",
    mixinStandardHelpOptions = true,
    version = "signetd 0.1.0",
    commandListHeading = "%nCommands:%n",
    exitCodeListHeading = "%nExit codes:%n",
    footer = {
      "%nExample:",
      "  signetd init -c /etc/signet/signetd.yaml",
      "  signetd serve -c /etc/signet/signetd.yaml",
      "Run `signetd help COMMAND` for a command's options."
    })
public final class Signetd {
  /** The width help texts are wrapped at, as the client's: a wide terminal's, still readable. */
  public static final int HELP_WIDTH = 100;

  private static final Subcommands SUBCOMMANDS =
      new Subcommands(
          InitCommand.class,
          ServeCommand.class,
          AuditCommand.class,
          CaCommand.class,
          ServiceAccountKeyCommand.class,
          CommandLine.HelpCommand.class,
          AutoComplete.GenerateCompletion.class);

  /** Where the commands that hold the keys (init, serve, audit verify) find them. */
  private final Daemon.KeyStoreOpener keyStore;

  private Signetd(Daemon.KeyStoreOpener keyStore) {
    this.keyStore = keyStore;
  }

  public static void main(String[] args) {
    Logging.configure();
    // The platform charset, which System.out and System.err encode with too.
    Charset console = Charset.defaultCharset();
    int code =
        run(
            Daemon.PKCS11,
            new PrintWriter(System.out, true, console),
            new PrintWriter(System.err, true, console),
            args);
    Logging.flush();
    System.exit(code);
  }

  /**
   * Runs a command line with keys from {@code keyStore} (the token, or a test's key store),
   * printing to the given streams; returns the exit code.
   */
  public static int run(
      Daemon.KeyStoreOpener keyStore, PrintWriter out, PrintWriter err, String... args) {
    return commandLine(keyStore, out, err, args).execute(args);
  }

  /**
   * signetd's command line with keys from {@code keyStore}, printing to the given streams, for
   * running {@code args} (every subcommand when there are none).
   */
  public static CommandLine commandLine(
      Daemon.KeyStoreOpener keyStore, PrintWriter out, PrintWriter err, String... args) {
    CommandLine commandLine = SUBCOMMANDS.addTo(new CommandLine(new Signetd(keyStore)), args);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setUsageHelpWidth(HELP_WIDTH);
    commandLine.getCommandSpec().usageMessage().exitCodeList(exitCodeList());
    commandLine.setExecutionExceptionHandler(
        (exception, cmd, parseResult) -> {
          ExitCode code = exitCode(exception);
          err.println("signetd: " + message(exception));
          if (code == ExitCode.UNEXPECTED) {
            Logger.getLogger(Signetd.class.getName())
                .log(Level.SEVERE, "unexpected error", exception);
          }
          return code.code();
        });
    return commandLine;
  }

  /** The key store of the command line {@code spec} belongs to. */
  static Daemon.KeyStoreOpener keyStore(CommandSpec spec) {
    return ((Signetd) spec.root().userObject()).keyStore;
  }

  private static ExitCode exitCode(Exception exception) {
    if (exception instanceof ConfigException) {
      return ExitCode.CONFIG;
    }
    if (exception instanceof TokenException) {
      return ExitCode.TOKEN;
    }
    if (exception instanceof LedgerException) {
      return ExitCode.LEDGER;
    }
    if (exception instanceof RunningDaemon.CallFailed failed) {
      return failed.refused() ? ExitCode.REFUSED : ExitCode.TEMPORARY;
    }
    if (exception instanceof IOException) {
      return ExitCode.CONFIG;
    }
    return ExitCode.UNEXPECTED;
  }

  private static Map<String, String> exitCodeList() {
    Map<String, String> list = new LinkedHashMap<>();
    for (ExitCode code : ExitCode.values()) {
      list.put(String.format("%3d", code.code()), code.meaning());
    }
    return list;
  }

  private static String message(Exception exception) {
    if (exception.getMessage() == null) {
      return exception.getClass().getSimpleName();
    }
    return exception.getMessage();
  }
}
