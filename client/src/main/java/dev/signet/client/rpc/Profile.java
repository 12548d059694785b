package dev.signet.client.rpc;

import dev.signet.api.v1.TrustDomain;
import java.util.Arrays;
import java.util.Optional;

/**
 * The certificate profiles a node asks for, one per typed RPC of {@code signet.v1.Issuance}: the
 * client's side of the daemon's {@code profile.Profile} and the proto's {@code signet.v1.Profile}.
 * The id is the profile's name as the daemon, its ledger and the manifest spell it.
 */
public enum Profile {
  APISERVER("apiserver", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  APISERVER_KUBELET_CLIENT("apiserver-kubelet-client", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  FRONT_PROXY_CLIENT("front-proxy-client", TrustDomain.TRUST_DOMAIN_FRONT_PROXY),
  ETCD_SERVER("etcd-server", TrustDomain.TRUST_DOMAIN_ETCD),
  ETCD_PEER("etcd-peer", TrustDomain.TRUST_DOMAIN_ETCD),
  ETCD_HEALTHCHECK_CLIENT("etcd-healthcheck-client", TrustDomain.TRUST_DOMAIN_ETCD),
  APISERVER_ETCD_CLIENT("apiserver-etcd-client", TrustDomain.TRUST_DOMAIN_ETCD),
  ADMIN("admin", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  SUPER_ADMIN("super-admin", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  CONTROLLER_MANAGER("controller-manager", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  SCHEDULER("scheduler", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  KUBE_PROXY("kube-proxy", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  KUBELET_CLIENT("kubelet-client", TrustDomain.TRUST_DOMAIN_KUBERNETES),
  KUBELET_SERVING("kubelet-serving", TrustDomain.TRUST_DOMAIN_KUBERNETES);

  private final String id;
  private final TrustDomain trustDomain;

  Profile(String id, TrustDomain trustDomain) {
    this.id = id;
    this.trustDomain = trustDomain;
  }

  public String id() {
    return id;
  }

  /** The trust domain whose CA signs this profile, and whose bundle its peers trust. */
  public TrustDomain trustDomain() {
    return trustDomain;
  }

  public static Optional<Profile> byId(String id) {
    return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst();
  }

  /** The name kubeadm's check-expiration gives a trust domain's CA: ca, etcd-ca, front-proxy-ca. */
  public static String caName(TrustDomain domain) {
    return switch (domain) {
      case TRUST_DOMAIN_ETCD -> "etcd-ca";
      case TRUST_DOMAIN_FRONT_PROXY -> "front-proxy-ca";
      case TRUST_DOMAIN_SIGNET_API -> "signet-api-ca";
      default -> "ca";
    };
  }

  /** The manifest's name for a trust domain: kubernetes, etcd, front-proxy. */
  public static String domainId(TrustDomain domain) {
    return switch (domain) {
      case TRUST_DOMAIN_ETCD -> "etcd";
      case TRUST_DOMAIN_FRONT_PROXY -> "front-proxy";
      case TRUST_DOMAIN_SIGNET_API -> "signet-api";
      default -> "kubernetes";
    };
  }

  public static Optional<TrustDomain> domainById(String id) {
    return Arrays.stream(TrustDomain.values())
        .filter(d -> d != TrustDomain.TRUST_DOMAIN_UNSPECIFIED && d != TrustDomain.UNRECOGNIZED)
        .filter(d -> domainId(d).equals(id))
        .findFirst();
  }
}
