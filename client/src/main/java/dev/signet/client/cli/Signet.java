package dev.signet.client.cli;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.common.cli.Subcommands;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code signet}: the node client. It makes a node's key pairs on the node, asks signetd for each
 * certificate over mutual TLS, and writes certificates, keys and kubeconfigs where the Kubernetes
 * components expect them. Only {@link #main} exits the JVM; {@link #run} is what tests call.
 */
@Command(
    name = "signet",
    header =
        "Signet's node client: this node's Kubernetes certificates, keys and kubeconfigs, from signetd.",
    description =
        "Private keys are made on this node and never leave it; signetd signs with CA keys that never leave its PKCS#11 token. Files land atomically (keys and kubeconfigs 0600, certificates 0644), re-runs keep what is valid, and `renew` re-requests what the directory's manifest (.signet/manifest.yaml) records.",
    mixinStandardHelpOptions = true,
    version = "signet 0.1.0",
    commandListHeading = "%nCommands:%n",
    exitCodeListHeading = "%nExit codes:%n",
    footer = {
      "%nConnection options (--server, --ca-bundle, --cert, --key, --timeout) can come from a",
      "client configuration file: --config FILE, $SIGNET_CONFIG or ~/.config/signet/signet.yaml.",
      "",
      "Example:",
      "  signet control-plane --config /etc/signet/signet.yaml --node cp-1 \\",
      "      --advertise-address 10.0.0.10 --out /etc/kubernetes",
      "  signet check-expiration --dir /etc/kubernetes",
      "Run `signet help COMMAND` for a command's options and files."
    })
public final class Signet implements Runnable {
  /**
   * The width help texts are wrapped at: a wide terminal's, still readable; descriptions are
   * paragraphs that picocli wraps, and examples lines shorter than this.
   */
  public static final int HELP_WIDTH = 100;

  private static final Subcommands SUBCOMMANDS =
      new Subcommands(
          ControlPlaneCommand.class,
          KubeletCommand.class,
          KubeProxyCommand.class,
          EtcdMemberCommand.class,
          AdminCommand.class,
          CheckExpirationCommand.class,
          RenewCommand.class,
          RecoverCommand.class,
          AgentCommand.class,
          JoinCommand.class,
          TokenCommand.class,
          RevokeCommand.class,
          CredentialCommand.class,
          CrlCommand.class,
          AuditCommand.class,
          CertificatesCommand.class,
          CommandLine.HelpCommand.class,
          AutoComplete.GenerateCompletion.class);

  /** Held, so that the level set in main stays (java.util.logging keeps loggers weakly). */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On an error, print its stack trace too.")
  boolean verbose;

  private Signet() {}

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        new CommandLine(this),
        "a command is required: control-plane, kubelet, kube-proxy, etcd-member, admin, check-expiration, renew, recover, agent, join, token, revoke, credential, crl, audit or certificates");
  }

  public static void main(String[] args) {
    // gRPC logs transport trouble through java.util.logging; the user gets signet's own message.
    GRPC_LOG.setLevel(Level.OFF);
    // The platform charset, which System.out and System.err encode with too.
    Charset console = Charset.defaultCharset();
    System.exit(
        run(
            new PrintWriter(System.out, true, console),
            new PrintWriter(System.err, true, console),
            args));
  }

  /** Runs one command line, printing to {@code out} and {@code err}; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    int code = commandLine(out, err, args).execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /**
   * signet's command line, printing to {@code out} and {@code err}, for running {@code args} (every
   * subcommand when there are none).
   */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err, String... args) {
    Signet signet = new Signet();
    CommandLine commandLine = SUBCOMMANDS.addTo(new CommandLine(signet), args);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setUsageHelpWidth(HELP_WIDTH);
    commandLine.getCommandSpec().usageMessage().exitCodeList(exitCodeList());
    commandLine.setParameterExceptionHandler(
        (exception, arguments) -> {
          err.println("signet: " + exception.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(exception, err);
          err.println(
              "Run '"
                  + exception.getCommandLine().getCommandSpec().qualifiedName()
                  + " --help' for its options.");
          err.flush();
          return ExitCode.USAGE.code();
        });
    commandLine.setExecutionExceptionHandler(
        (exception, command, parseResult) -> {
          boolean verbose = signet.verbose || parseResult.originalArgs().contains("--verbose");
          if (exception instanceof SignetException failure) {
            err.println("signet: " + failure.getMessage());
            if (verbose) {
              failure.printStackTrace(err);
            }
            err.flush();
            return failure.exitCode().code();
          }
          err.println(
              "signet: unexpected error: "
                  + exception.getClass().getSimpleName()
                  + (exception.getMessage() == null ? "" : ": " + exception.getMessage())
                  + (verbose
                      ? ""
                      : " (run again with --verbose for details, and please report it)"));
          if (verbose) {
            exception.printStackTrace(err);
          }
          err.flush();
          return ExitCode.SOFTWARE.code();
        });
    return commandLine;
  }

  private static Map<String, String> exitCodeList() {
    Map<String, String> list = new LinkedHashMap<>();
    for (ExitCode code : ExitCode.values()) {
      list.put(String.format("%3d", code.code()), code.meaning());
    }
    return list;
  }
}
