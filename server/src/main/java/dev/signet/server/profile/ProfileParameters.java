package dev.signet.server.profile;

import java.util.List;

/**
 * The typed inputs of a request, one record per shape of profile. Values are as the caller sent
 * them; {@link Profiles#content} validates them.
 */
public sealed interface ProfileParameters {
  /** The node the certificate is for, when there is one (for authorization and the ledger). */
  default String nodeName() {
    return "";
  }

  /** Profiles whose certificate is the same for every caller (admin, scheduler, ...). */
  record None() implements ProfileParameters {}

  /**
   * kube-apiserver's serving certificate. Empty strings mean "not given": the cluster defaults
   * apply to {@code serviceCidr} and {@code dnsDomain}.
   */
  record Apiserver(
      String nodeName,
      String advertiseAddress,
      String controlPlaneEndpoint,
      String serviceCidr,
      String dnsDomain,
      List<String> extraSans)
      implements ProfileParameters {}

  /** An etcd member's server or peer certificate. */
  record EtcdMember(String nodeName, String advertiseAddress, List<String> extraSans)
      implements ProfileParameters {}

  /** A kubelet's client certificate. */
  record KubeletClient(String nodeName) implements ProfileParameters {}

  /** A kubelet's serving certificate and the node's names and addresses. */
  record KubeletServing(String nodeName, List<String> addresses) implements ProfileParameters {}

  /** signetd's serving certificate. */
  record SignetServer(List<String> names) implements ProfileParameters {}

  /**
   * A credential for Signet's API: the caller's name (the CN) and the organization that the
   * daemon's role mapping turns into a role.
   */
  record SignetClient(String identity, String organization) implements ProfileParameters {}
}
