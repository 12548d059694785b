package dev.signet.server.profile;

/**
 * A set of parties that trust one CA: what a component's {@code ca.crt} holds. Each domain is
 * backed by one CA key in the token, which configuration may share between domains (the single-CA
 * cluster of small installations).
 */
public enum TrustDomain {
  /** {@code pki/ca.crt}: kube-apiserver, kubelets, every kubeconfig. */
  KUBERNETES("kubernetes", "kubernetes", "kubernetes-ca"),
  /** {@code pki/etcd/ca.crt}: etcd members and their clients. */
  ETCD("etcd", "etcd-ca", "etcd-ca"),
  /** {@code pki/front-proxy-ca.crt}: the aggregation layer. */
  FRONT_PROXY("frontProxy", "front-proxy-ca", "front-proxy-ca"),
  /**
   * Signet's own API. Kept apart from the cluster CAs so that no cluster credential (admin.conf
   * included) is ever accepted by signetd.
   */
  SIGNET_API("signetApi", "signet-api-ca", "signet-api-ca");

  private final String configKey;
  private final String caCommonName;
  private final String defaultKeyLabel;

  TrustDomain(String configKey, String caCommonName, String defaultKeyLabel) {
    this.configKey = configKey;
    this.caCommonName = caCommonName;
    this.defaultKeyLabel = defaultKeyLabel;
  }

  /** The key naming this domain's CA under {@code cas:} in signetd.yaml. */
  public String configKey() {
    return configKey;
  }

  /** The subject CN of a CA created for this domain, as kubeadm names them. */
  public String caCommonName() {
    return caCommonName;
  }

  /** The token label of this domain's CA key unless configuration says otherwise. */
  public String defaultKeyLabel() {
    return defaultKeyLabel;
  }
}
