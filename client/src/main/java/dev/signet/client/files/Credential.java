package dev.signet.client.files;

import dev.signet.client.rpc.Parameters;
import dev.signet.client.rpc.Profile;
import dev.signet.common.KeyAlgorithm;
import java.nio.file.Path;

/**
 * One certificate signet manages in an output directory: what was asked for (profile, typed
 * parameters, key algorithm) and where it lives. Paths are relative to the output directory; empty
 * when not used. Three shapes:
 *
 * <ul>
 *   <li>a PEM pair: {@code certificate} and {@code key};
 *   <li>an embedded kubeconfig: {@code kubeconfig} and its {@code server} (admin.conf);
 *   <li>a PEM pair and a kubeconfig that references it (the kubelet's and kube-proxy's).
 * </ul>
 */
public record Credential(
    String name,
    Profile profile,
    Parameters parameters,
    KeyAlgorithm keyAlgorithm,
    String certificate,
    String key,
    String kubeconfig,
    String server) {
  public Credential {
    certificate = certificate == null ? "" : certificate;
    key = key == null ? "" : key;
    kubeconfig = kubeconfig == null ? "" : kubeconfig;
    server = server == null ? "" : server;
  }

  public static Credential pair(
      String name,
      Profile profile,
      Parameters parameters,
      KeyAlgorithm algorithm,
      String certificate,
      String key) {
    return new Credential(name, profile, parameters, algorithm, certificate, key, "", "");
  }

  public static Credential kubeconfig(
      String name,
      Profile profile,
      Parameters parameters,
      KeyAlgorithm algorithm,
      String file,
      String server) {
    return new Credential(name, profile, parameters, algorithm, "", "", file, server);
  }

  public Credential withKubeconfig(String file, String server) {
    return new Credential(name, profile, parameters, keyAlgorithm, certificate, key, file, server);
  }

  public Credential withKeyAlgorithm(KeyAlgorithm algorithm) {
    return new Credential(
        name, profile, parameters, algorithm, certificate, key, kubeconfig, server);
  }

  public boolean hasPair() {
    return !certificate.isEmpty();
  }

  public boolean hasKubeconfig() {
    return !kubeconfig.isEmpty();
  }

  /** The file a user looks for: the certificate, or the kubeconfig holding it. */
  public String mainFile() {
    return hasPair() ? certificate : kubeconfig;
  }

  public Path certificatePath(Path root) {
    return root.resolve(certificate);
  }

  public Path keyPath(Path root) {
    return root.resolve(key);
  }

  public Path kubeconfigPath(Path root) {
    return root.resolve(kubeconfig);
  }
}
