package dev.signet.client.cli;

import dev.signet.client.node.Expiration;
import dev.signet.client.node.Progress;
import dev.signet.client.node.Provisioner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code signet recover}: a control plane whose certificates have all expired, back in one step. It
 * is {@code renew all} (same code path: new keys, atomic replacement, backups) under the name an
 * operator looks for in an outage, followed by check-expiration of the result; it exists because
 * that outage is the one moment when no cluster credential works and the operator must know that
 * the Signet credential is the one to use.
 */
@Command(
    name = "recover",
    header = "Bring back a node whose certificates expired: reissue all of them in one step.",
    description = {
      "For a node whose certificates and kubeconfigs have expired (typically a control-plane node after a long shutdown) while signetd's CAs are still valid. In one step it reissues every certificate the directory's manifest records, expired or not, with the recorded subject and names and a new key pair made on this node; replaces the files atomically, keeping the previous ones as backups; refreshes the CA files; and prints check-expiration of the result. Expired files never stop it; a directory without a manifest is refused, as signet recovers only what it wrote.",
      "",
      "Use the operator's Signet credential (operator/signet.yaml from signetd init), not admin.conf: cluster credentials cannot act on signetd, and they have expired too. If the operator credential has expired as well, run `signetd init` on the daemon's host first: it replaces an expired operator credential, keeping the old one as a backup."
    },
    sortOptions = false,
    customSynopsis = {
      "signet recover --dir DIR [--config FILE]",
      "       signet recover --dir DIR --server HOST:PORT --ca-bundle FILE --cert FILE --key FILE%n"
    },
    footerHeading = "%nFiles (relative to --dir):%n",
    footer = {
      "  .signet/manifest.yaml        what to reissue, as the commands that wrote DIR recorded it",
      "  NAME.crt.bak  NAME.key.bak   the previous certificate and key",
      "  NAME.conf.bak                the previous kubeconfig",
      "Restart the components afterwards: the kubelet, then the static pods (kube-apiserver, etcd,",
      "kube-controller-manager, kube-scheduler).",
      "",
      "Example:",
      "  signet recover --dir /etc/kubernetes --config ~/signet-operator/signet.yaml"
    })
public final class RecoverCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Mixin ManagedDirectoryOption directory;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Path root = directory.root();
    out.println("signet recover -> " + root);
    Progress progress = new Progress(out, root);
    new Provisioner(root, progress, Clock.systemUTC())
        .renew(List.of("all"), Optional.empty(), Optional.empty(), connection::connect);
    progress.summary("Recovered");
    out.println();
    out.print(Expiration.table(CheckExpirationCommand.report(root, spec.commandLine().getErr())));
    out.println();
    out.println("Restart the components that use these files so that they load them.");
    out.flush();
    return 0;
  }
}
