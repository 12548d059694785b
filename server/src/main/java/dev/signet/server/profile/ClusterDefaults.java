package dev.signet.server.profile;

/** What the apiserver profile assumes when a request leaves a cluster parameter out. */
public record ClusterDefaults(String dnsDomain, String serviceCidr) {
  /** kubeadm's defaults. */
  public static final ClusterDefaults KUBEADM =
      new ClusterDefaults("cluster.local", "10.96.0.0/12");
}
