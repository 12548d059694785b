package dev.signet.client.cli;

import dev.signet.client.node.Layout;
import dev.signet.client.node.Plan;
import dev.signet.client.node.Progress;
import dev.signet.client.node.Provisioner;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.KeyAlgorithm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The options of every command that issues: key algorithm, re-run behaviour, and the run itself.
 */
public final class IssueOptions {
  @ArgGroup(validate = false, heading = "%nKeys and re-runs:%n")
  Group group = new Group();

  static final class Group {
    @Option(
        names = "--key-algorithm",
        paramLabel = "ALGORITHM",
        defaultValue = "ecdsa-p256",
        converter = Converters.KeyAlgorithmConverter.class,
        description =
            "Algorithm of the key pairs made on this node: ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096. Private keys never leave this node.")
    KeyAlgorithm keyAlgorithm;

    @Option(
        names = "--force",
        description = "Issue every certificate anew (new keys), even those that are valid.")
    boolean force;

    @Option(
        names = "--renew-within",
        paramLabel = "DURATION",
        converter = Converters.DurationConverter.class,
        description =
            "Reissue valid certificates that expire within DURATION (e.g. 720h). Default: within the last third of their lifetime.")
    Duration renewWithin;
  }

  KeyAlgorithm algorithm() {
    return group.keyAlgorithm;
  }

  /** Brings {@code root} to {@code plan}, printing progress and a summary; returns exit code 0. */
  int run(PrintWriter out, String title, Path root, Plan plan, Supplier<SignetClient> connect) {
    Path directory = root.toAbsolutePath().normalize();
    out.println(title + " -> " + directory);
    Progress progress = new Progress(out, directory);
    new Provisioner(directory, progress, Clock.systemUTC())
        .ensure(plan, connect, group.force, Optional.ofNullable(group.renewWithin));
    progress.summary("Done");
    return 0;
  }

  /** Where the commands that write into a directory write: --out and --layout. */
  public static final class Destination {
    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Where to write, e.g. /etc/kubernetes.")
    Path out;

    @Option(
        names = "--layout",
        paramLabel = "LAYOUT",
        defaultValue = "kubeadm",
        converter = Converters.LayoutConverter.class,
        description =
            "kubeadm (default): files where kubeadm puts them (pki/..., *.conf). flat: PEM pairs side by side under the classic names (see below).")
    Layout layout;
  }
}
