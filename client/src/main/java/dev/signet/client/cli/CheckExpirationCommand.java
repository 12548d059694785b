package dev.signet.client.cli;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.node.Expiration;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet check-expiration}: kubeadm's table, from the files alone. */
@Command(
    name = "check-expiration",
    header = "Show when each certificate in a directory expires (no daemon needed).",
    description =
        "Reads the certificates signet wrote (listed in DIR/.signet/manifest.yaml; kubeadm's control-plane set when there is no manifest), including those embedded in kubeconfig files (kubelet.conf too), then the CA certificates. A file that is not there shows as !MISSING!. Dates are UTC.",
    sortOptions = false,
    customSynopsis = "signet check-expiration [--dir DIR] [-o table|json]%n",
    footer = {
      "%nWith -o json: kubeadm's CertificateExpirationInfo (output.kubeadm.k8s.io/v1alpha3):",
      "name, expirationDate, residualTimeSeconds, externallyManaged, caName, missing. CAs are",
      "externally managed: their keys are in signetd's token.",
      "",
      "Examples:",
      "  signet check-expiration --dir /etc/kubernetes",
      "  signet check-expiration --dir /etc/kubernetes -o json"
    })
public final class CheckExpirationCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      defaultValue = "/etc/kubernetes",
      description = "The directory to check. Default: /etc/kubernetes.")
  Path dir;

  @Mixin OutputFormatOption format;

  @Override
  public Integer call() {
    boolean json = format.json();
    Path root = dir.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new SignetException(
          ExitCode.USAGE, root + " is not a directory; give the --dir signet wrote into.");
    }
    PrintWriter out = spec.commandLine().getOut();
    Expiration.Report report = report(root, spec.commandLine().getErr());
    out.print(json ? Expiration.json(report) : Expiration.table(report));
    out.flush();
    return 0;
  }

  /**
   * Reads {@code root} now; files that exist but cannot be read are warned about on {@code err}.
   */
  static Expiration.Report report(Path root, PrintWriter err) {
    try {
      return Expiration.check(
          root, Instant.now(), warning -> err.println("signet: warning: " + warning));
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.OUTPUT, "cannot read " + root + ": " + SignetException.describe(e), e);
    }
  }
}
