package dev.signet.server.profile;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The certificate kinds Signet issues: one per Kubernetes component (the table of {@code
 * kubernetes-profiles.md}) and two for Signet's own API. Each fixes its trust domain, extended key
 * usages and subject; what varies per request comes in {@link ProfileParameters}.
 */
public enum Profile {
  APISERVER(TrustDomain.KUBERNETES, Usage.SERVER, "kube-apiserver"),
  APISERVER_KUBELET_CLIENT(
      TrustDomain.KUBERNETES, Usage.CLIENT, "kube-apiserver-kubelet-client", Groups.CLUSTER_ADMINS),
  FRONT_PROXY_CLIENT(TrustDomain.FRONT_PROXY, Usage.CLIENT, "front-proxy-client"),
  ETCD_SERVER(TrustDomain.ETCD, Usage.SERVER_AND_CLIENT, null),
  ETCD_PEER(TrustDomain.ETCD, Usage.SERVER_AND_CLIENT, null),
  ETCD_HEALTHCHECK_CLIENT(TrustDomain.ETCD, Usage.CLIENT, "kube-etcd-healthcheck-client"),
  APISERVER_ETCD_CLIENT(TrustDomain.ETCD, Usage.CLIENT, "kube-apiserver-etcd-client"),
  ADMIN(TrustDomain.KUBERNETES, Usage.CLIENT, "kubernetes-admin", Groups.CLUSTER_ADMINS),
  SUPER_ADMIN(TrustDomain.KUBERNETES, Usage.CLIENT, "kubernetes-super-admin", Groups.MASTERS),
  CONTROLLER_MANAGER(TrustDomain.KUBERNETES, Usage.CLIENT, "system:kube-controller-manager"),
  SCHEDULER(TrustDomain.KUBERNETES, Usage.CLIENT, "system:kube-scheduler"),
  KUBE_PROXY(TrustDomain.KUBERNETES, Usage.CLIENT, "system:kube-proxy"),
  KUBELET_CLIENT(TrustDomain.KUBERNETES, Usage.CLIENT, null, Groups.NODES),
  KUBELET_SERVING(TrustDomain.KUBERNETES, Usage.SERVER, null, Groups.NODES),
  /** signetd's own serving certificate. */
  SIGNET_API_SERVER(TrustDomain.SIGNET_API, Usage.SERVER, "signetd"),
  /** A credential for calling Signet's API; its organization carries the caller's role. */
  SIGNET_API_CLIENT(TrustDomain.SIGNET_API, Usage.CLIENT, null);

  /** The extended key usages a profile grants, exactly (RFC 5280 §4.2.1.12). */
  public enum Usage {
    SERVER(ImmutableSet.of(ExtendedKeyUsage.SERVER_AUTH)),
    CLIENT(ImmutableSet.of(ExtendedKeyUsage.CLIENT_AUTH)),
    /** etcd members use one certificate to serve and to dial their peers. */
    SERVER_AND_CLIENT(ImmutableSet.of(ExtendedKeyUsage.SERVER_AUTH, ExtendedKeyUsage.CLIENT_AUTH));

    private final ImmutableSet<ExtendedKeyUsage> usages;

    Usage(ImmutableSet<ExtendedKeyUsage> usages) {
      this.usages = usages;
    }

    public Set<ExtendedKeyUsage> extendedKeyUsages() {
      return usages;
    }
  }

  /** The two extended key usages Kubernetes certificates carry. */
  public enum ExtendedKeyUsage {
    SERVER_AUTH,
    CLIENT_AUTH
  }

  /** Kubernetes groups (the subject's O) the profiles grant; see kubernetes-pki-sources §2. */
  static final class Groups {
    static final String CLUSTER_ADMINS = "kubeadm:cluster-admins";
    static final String MASTERS = "system:masters";
    static final String NODES = "system:nodes";

    private Groups() {}
  }

  private final TrustDomain trustDomain;
  private final Usage usage;
  private final String fixedCommonName;
  private final ImmutableList<String> organizations;

  Profile(TrustDomain trustDomain, Usage usage, String fixedCommonName, String... organizations) {
    this.trustDomain = trustDomain;
    this.usage = usage;
    this.fixedCommonName = fixedCommonName;
    this.organizations = ImmutableList.copyOf(organizations);
  }

  public TrustDomain trustDomain() {
    return trustDomain;
  }

  public Usage usage() {
    return usage;
  }

  /** The CN every certificate of this profile carries; null where it comes from the request. */
  String fixedCommonName() {
    return fixedCommonName;
  }

  List<String> organizations() {
    return organizations;
  }

  /**
   * Whether a certificate of this profile gives its holder the cluster, or its data, outright: a
   * provisioner is granted such a profile only by naming it, never by a wildcard.
   *
   * <ul>
   *   <li>admin, apiserver-kubelet-client: group kubeadm:cluster-admins, bound to cluster-admin;
   *       super-admin: system:masters, which no RBAC rule can limit;
   *   <li>front-proxy-client: kube-apiserver trusts it to assert any user and group (X-Remote-User,
   *       X-Remote-Group: system:masters) through the aggregation layer;
   *   <li>etcd-server, etcd-peer, etcd-healthcheck-client, apiserver-etcd-client: etcd as kubeadm
   *       runs it authorises every client certificate of its CA, so each reads and writes all of
   *       the cluster's state, Secrets included; a peer certificate also joins the member set;
   *   <li>controller-manager: system:kube-controller-manager may create tokens for every service
   *       account (serviceaccounts/token), the cluster-wide controllers' included.
   * </ul>
   */
  public boolean highValue() {
    return switch (this) {
      case ADMIN,
          SUPER_ADMIN,
          APISERVER_KUBELET_CLIENT,
          FRONT_PROXY_CLIENT,
          ETCD_SERVER,
          ETCD_PEER,
          ETCD_HEALTHCHECK_CLIENT,
          APISERVER_ETCD_CLIENT,
          CONTROLLER_MANAGER ->
          true;
      default -> false;
    };
  }

  /** The name used in the ledger, logs and on the command line: {@code kubelet-serving}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Profile fromId(String id) {
    for (Profile profile : values()) {
      if (profile.id().equals(id)) {
        return profile;
      }
    }
    throw new IllegalArgumentException("unknown profile '" + id + "'");
  }
}
