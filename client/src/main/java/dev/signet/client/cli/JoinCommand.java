package dev.signet.client.cli;

import dev.signet.client.node.NodeCredential;
import dev.signet.client.node.Plan;
import dev.signet.client.node.Progress;
import dev.signet.client.rpc.ConnectionSettings;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.HostPort;
import dev.signet.common.SecretSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet join}: a new node's first contact, with a bootstrap token. */
@Command(
    name = "join",
    header =
        "Join a new node: spend a bootstrap token for its Signet credential, then write its kubelet files.",
    description = {
      "The node has no credential yet. It makes a key pair here, proves the bootstrap token to signetd's"
          + " enrollment port (server-authenticated TLS: --ca-bundle verifies signetd) and receives its Signet API"
          + " credential (role node, CN system:node:NODE) in --credential-dir, with a client configuration"
          + " (signet.yaml) that signet renew and signet agent use from then on. With that credential it then"
          + " writes the kubelet's files into --out, exactly as `signet kubelet` does. --node and every --address"
          + " must be ones the token was made for.",
      "",
      "A token works once. Running the command again is safe: a valid credential is kept and the token is not"
          + " used again; a join whose answer was lost is resumed with the request saved in --credential-dir."
    },
    sortOptions = false,
    customSynopsis = {
      "signet join --token file:PATH|env:VAR --server HOST:PORT --ca-bundle FILE --node NAME",
      "            --address IP|NAME... --control-plane-endpoint HOST[:PORT] --out DIR [OPTIONS]%n"
    },
    footerHeading = "%nFiles:%n",
    footer = {
      "  --credential-dir: node.crt, node.key (0600), ca.crt (signet-api CA), signet.yaml",
      "  --out:            as signet kubelet (kubelet.conf, pki/ca.crt, pki/kubelet-serving.{crt,key})",
      "",
      "Example (the provisioner ran `signet token create --node worker-1 --address 10.0.0.21 --out token`",
      "and copied the file to the node):",
      "  signet join --token file:/run/signet/token --server signet.example.com:7443 \\",
      "      --ca-bundle /etc/signet/bootstrap-ca.crt --node worker-1 --address 10.0.0.21 \\",
      "      --control-plane-endpoint k8s.example.com:6443 --out /etc/kubernetes"
    })
public final class JoinCommand implements Callable<Integer> {
  /** The enrollment port signetd listens on by default. */
  static final int ENROLLMENT_PORT = 7444;

  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Option(
      names = "--token",
      required = true,
      paramLabel = "file:PATH|env:VAR",
      converter = Converters.SecretSourceConverter.class,
      description =
          "Where to read the bootstrap token (\"<id>.<secret>\"), never the token itself.")
  SecretSource token;

  @Mixin KubeletOptions kubelet;

  @Option(
      names = "--server",
      required = true,
      paramLabel = "HOST:PORT",
      converter = Converters.HostPortConverter.class,
      description = "signetd's main (mutual-TLS) address, e.g. signet.example.com:7443.")
  HostPort server;

  @Option(
      names = "--enrollment-server",
      paramLabel = "HOST:PORT",
      converter = Converters.HostPortConverter.class,
      description =
          "signetd's enrollment address. Default: the host of --server, port "
              + ENROLLMENT_PORT
              + ".")
  HostPort enrollmentServer;

  @Option(
      names = "--ca-bundle",
      required = true,
      paramLabel = "FILE",
      description =
          "The signet-api CA (operator/ca.crt from signetd init), brought to the node out of band: it is what proves signetd is signetd.")
  Path caBundle;

  @Option(
      names = "--credential-dir",
      paramLabel = "DIR",
      defaultValue = "/etc/signet",
      description = "Where the node's Signet credential and signet.yaml go. Default: /etc/signet.")
  Path credentialDirectory;

  @Option(
      names = "--rejoin",
      description = "Spend the token even though a valid credential is present (a new key).")
  boolean rejoin;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Where the kubelet's files go, e.g. /etc/kubernetes.")
  Path out;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = Converters.DurationConverter.class,
      description = "Deadline of each call to signetd. Default: 30s.")
  Duration timeout;

  @Mixin IssueOptions.LayoutOption layout;
  @Mixin IssueOptions issue;

  @Override
  public Integer call() {
    PrintWriter printer = spec.commandLine().getOut();
    Path directory = credentialDirectory.toAbsolutePath().normalize();
    printer.println("signet join: node " + kubelet.node + " -> " + directory);
    NodeCredential credential =
        new NodeCredential(directory, new Progress(printer, directory), Clock.systemUTC());
    HostPort enrollment =
        enrollmentServer != null ? enrollmentServer : new HostPort(server.host(), ENROLLMENT_PORT);
    credential.ensure(
        kubelet.node,
        kubelet.addresses,
        issue.algorithm(),
        token,
        () ->
            SignetClient.connect(
                ConnectionSettings.withoutCredential(enrollment, caBundle, timeout)),
        server,
        rejoin);
    ConnectionSettings asNode = credential.settings(server, timeout);
    Plan plan = kubelet.plan(layout.layout, issue.algorithm());
    return issue.run(
        printer,
        "signet join: kubelet of node " + kubelet.node,
        out,
        plan,
        () -> SignetClient.connect(asNode));
  }
}
