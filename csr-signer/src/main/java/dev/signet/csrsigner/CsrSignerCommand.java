package dev.signet.csrsigner;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.rpc.ClientConfig;
import dev.signet.client.rpc.ConnectionSettings;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.Durations;
import dev.signet.common.HostPort;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code signet-csr-signer}: signs the kubelet certificates of the Kubernetes CSR API through
 * signetd. A process of its own, holding only a Kubernetes credential (RBAC in the README) and a
 * Signet credential of role csr-signer, which may ask signetd for kubelet client and serving
 * certificates and nothing else; the CA key stays in signetd's token.
 */
@Command(
    name = "signet-csr-signer",
    mixinStandardHelpOptions = true,
    version = "signet-csr-signer 0.1.0",
    description = {
      "Sign approved CertificateSigningRequests of the kubelet signer names through signetd,",
      "validated as kube-controller-manager's signer validates them. Runs until stopped.",
      "kube-controller-manager then runs with --controllers=*,bootstrapsigner,tokencleaner,-csrsigning."
    })
public final class CsrSignerCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description =
          "Client configuration (server, caBundle, certificate, key) of a csr-signer credential.")
  Path config;

  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description =
          "Kubeconfig of the Kubernetes API. Default: the in-cluster service account, else $KUBECONFIG or ~/.kube/config.")
  Path kubeconfig;

  @Option(
      names = "--signer-name",
      paramLabel = "NAME",
      description =
          "A signer name to sign for (repeatable). Default: kubernetes.io/kube-apiserver-client-kubelet and kubernetes.io/kubelet-serving.")
  List<String> signerNames;

  @Option(
      names = "--max-duration",
      paramLabel = "DURATION",
      description =
          "Longest certificate lifetime (kube-controller-manager's --cluster-signing-duration). Default: signetd's issuance.validity.")
  String maxDuration;

  @Option(
      names = "--workers",
      defaultValue = "2",
      paramLabel = "N",
      description = "CSRs handled at once. Default: ${DEFAULT-VALUE}.")
  int workers;

  @Option(
      names = "--resync",
      defaultValue = "10m",
      paramLabel = "DURATION",
      description = "How often every CSR is looked at again. Default: ${DEFAULT-VALUE}.")
  String resync;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new CsrSignerCommand());
    commandLine.setExecutionExceptionHandler(
        (exception, cmd, parsed) -> {
          PrintWriter err = cmd.getErr();
          err.println("signet-csr-signer: " + exception.getMessage());
          return exception instanceof SignetException signet
              ? signet.exitCode().code()
              : ExitCode.SOFTWARE.code();
        });
    System.exit(commandLine.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Set<String> names =
        new LinkedHashSet<>(
            signerNames == null
                ? List.of(KubeletCsr.KUBELET_CLIENT, KubeletCsr.KUBELET_SERVING)
                : signerNames);
    for (String name : names) {
      if (!name.equals(KubeletCsr.KUBELET_CLIENT) && !name.equals(KubeletCsr.KUBELET_SERVING)) {
        throw new SignetException(
            ExitCode.USAGE,
            "--signer-name "
                + name
                + ": only "
                + KubeletCsr.KUBELET_CLIENT
                + " and "
                + KubeletCsr.KUBELET_SERVING
                + " are signed here");
      }
    }
    try (SignetClient signet = SignetClient.connect(settings(config));
        KubernetesClient kubernetes = kubernetes(kubeconfig);
        CsrController controller =
            new CsrController(
                kubernetes,
                new CsrSigner(
                    kubernetes,
                    signet,
                    names,
                    Optional.ofNullable(maxDuration).map(Durations::parse),
                    Clock.systemUTC()),
                workers,
                Durations.parse(resync))) {
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
      controller.start();
      stopped.await();
    }
    return 0;
  }

  /** The connection to signetd from a client configuration file. */
  static ConnectionSettings settings(Path file) {
    ClientConfig config = ClientConfig.load(file);
    HostPort server;
    try {
      server = HostPort.parse(config.server().orElseThrow(() -> missing(file, "server")));
    } catch (IllegalArgumentException e) {
      throw new SignetException(ExitCode.CONFIG, file + ": server: " + e.getMessage());
    }
    return new ConnectionSettings(
        server,
        config.caBundle().orElseThrow(() -> missing(file, "caBundle")),
        config.certificate().orElseThrow(() -> missing(file, "certificate")),
        config.key().orElseThrow(() -> missing(file, "key")),
        config.timeout().map(Durations::parse).orElse(Duration.ofSeconds(30)));
  }

  /** A Kubernetes client: from {@code kubeconfig}, else fabric8's auto-configuration. */
  static KubernetesClient kubernetes(Path kubeconfig) throws java.io.IOException {
    Config config =
        kubeconfig == null
            ? Config.autoConfigure(null)
            : Config.fromKubeconfig(Files.readString(kubeconfig));
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static SignetException missing(Path file, String key) {
    return new SignetException(ExitCode.CONFIG, file + " has no '" + key + "'");
  }
}
