package dev.signet.client.cli;

import dev.signet.client.node.Progress;
import dev.signet.client.node.Provisioner;
import dev.signet.common.KeyAlgorithm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code signet renew}: new key pairs and certificates for what the manifest records. */
@Command(
    name = "renew",
    header = "Renew certificates with new key pairs, asking for exactly what was asked before.",
    description =
        "Re-requests each named certificate (or all) with the subject and names recorded in DIR/.signet/manifest.yaml and a NEW key pair made on this node, then replaces the files atomically. The previous certificate and key are kept beside them as NAME.crt.bak and NAME.key.bak (kubeconfigs as NAME.conf.bak); only the latest previous pair is kept. CA certificates are refreshed from signetd. Restart the components that use the files.",
    sortOptions = false,
    customSynopsis =
        "signet renew (all|NAME...) --dir DIR [--if-expiring-within DURATION] [OPTIONS]%n",
    footer = {
      "%nNames are those of check-expiration: apiserver, etcd-server, admin.conf, kubelet.conf, ...",
      "",
      "Examples:",
      "  signet renew all --dir /etc/kubernetes",
      "  signet renew apiserver etcd-server --dir /etc/kubernetes",
      "  signet renew all --dir /etc/kubernetes --if-expiring-within 720h   # from a timer"
    })
public final class RenewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Parameters(
      arity = "1..*",
      paramLabel = "all|NAME",
      description = "all, or the names of the certificates to renew.")
  List<String> names;

  @Mixin ManagedDirectoryOption directory;

  @Option(
      names = "--if-expiring-within",
      paramLabel = "DURATION",
      converter = Converters.DurationConverter.class,
      description =
          "Renew only certificates that expire within DURATION (e.g. 720h), or that are missing or invalid; leave the others. Default: renew every one named.")
  Duration ifExpiringWithin;

  @Option(
      names = "--key-algorithm",
      paramLabel = "ALGORITHM",
      converter = Converters.KeyAlgorithmConverter.class,
      description = "Switch the renewed keys to this algorithm (recorded). Default: as recorded.")
  KeyAlgorithm keyAlgorithm;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path root = directory.root();
    out.println("signet renew " + String.join(" ", names) + " -> " + root);
    Progress progress = new Progress(out, root);
    new Provisioner(root, progress, Clock.systemUTC())
        .renew(
            names,
            Optional.ofNullable(ifExpiringWithin),
            Optional.ofNullable(keyAlgorithm),
            connection::connect);
    progress.summary("Done");
    if (progress.issued() > 0) {
      out.println("Restart the components that use the renewed files so that they load them.");
    }
    return 0;
  }
}
