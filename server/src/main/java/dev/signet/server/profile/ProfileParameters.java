package dev.signet.server.profile;

import java.util.ArrayList;
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

  /**
   * The DNS names and IP addresses the caller chose for the certificate, besides the node name (not
   * the names the profile always adds, such as kubernetes.default or 127.0.0.1): what a constrained
   * caller must be allowed to name.
   */
  default List<String> chosenNames() {
    return List.of();
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
      implements ProfileParameters {
    @Override
    public List<String> chosenNames() {
      List<String> names = new ArrayList<>();
      names.add(advertiseAddress);
      if (!controlPlaneEndpoint.isEmpty()) {
        names.add(Profiles.endpointHost(controlPlaneEndpoint));
      }
      names.addAll(extraSans);
      return names;
    }
  }

  /** An etcd member's server or peer certificate. */
  record EtcdMember(String nodeName, String advertiseAddress, List<String> extraSans)
      implements ProfileParameters {
    @Override
    public List<String> chosenNames() {
      List<String> names = new ArrayList<>(List.of(advertiseAddress));
      names.addAll(extraSans);
      return names;
    }
  }

  /** A kubelet's client certificate. */
  record KubeletClient(String nodeName) implements ProfileParameters {}

  /** A kubelet's serving certificate and the node's names and addresses. */
  record KubeletServing(String nodeName, List<String> addresses) implements ProfileParameters {
    @Override
    public List<String> chosenNames() {
      return addresses;
    }
  }

  /** signetd's serving certificate. */
  record SignetServer(List<String> names) implements ProfileParameters {}

  /**
   * A credential for Signet's API: the caller's name (the CN) and the organization that the
   * daemon's role mapping turns into a role.
   */
  record SignetClient(String identity, String organization) implements ProfileParameters {}
}
