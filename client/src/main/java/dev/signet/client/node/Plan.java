package dev.signet.client.node;

import dev.signet.api.v1.TrustDomain;
import dev.signet.client.files.Credential;
import dev.signet.client.rpc.Parameters;
import dev.signet.client.rpc.Profile;
import dev.signet.common.KeyAlgorithm;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one command writes into an output directory: the CA files of the trust domains it needs and
 * one {@link Credential} per certificate, named as kubeadm's check-expiration names them (or after
 * the flat file). The per-command builders below are the single source of the file layout.
 */
public record Plan(
    Map<TrustDomain, String> caFiles,
    List<Credential> credentials,
    Optional<String> serviceAccountPublicKeys) {
  private static final TrustDomain KUBERNETES = TrustDomain.TRUST_DOMAIN_KUBERNETES;
  private static final TrustDomain ETCD = TrustDomain.TRUST_DOMAIN_ETCD;
  private static final TrustDomain FRONT_PROXY = TrustDomain.TRUST_DOMAIN_FRONT_PROXY;

  /** The inputs of {@code signet control-plane}. */
  public record ControlPlane(
      String node,
      String advertiseAddress,
      String controlPlaneEndpoint,
      String serviceCidr,
      String dnsDomain,
      List<String> apiserverExtraSans,
      List<String> etcdExtraSans,
      int apiserverPort) {}

  /** Everything a kubeadm-style control-plane node needs, in the given layout. */
  public static Plan controlPlane(ControlPlane in, Layout layout, KeyAlgorithm algorithm) {
    Builder plan = new Builder(algorithm);
    Parameters apiserver =
        new Parameters(
            in.node(),
            in.advertiseAddress(),
            in.controlPlaneEndpoint(),
            in.serviceCidr(),
            in.dnsDomain(),
            in.apiserverExtraSans(),
            List.of());
    Parameters etcd =
        new Parameters(in.node(), in.advertiseAddress(), "", "", "", in.etcdExtraSans(), List.of());
    String endpoint =
        controlPlaneUrl(in.controlPlaneEndpoint(), in.advertiseAddress(), in.apiserverPort());
    String local = Endpoint.url(in.advertiseAddress(), in.apiserverPort());
    if (layout == Layout.KUBEADM) {
      plan.ca(KUBERNETES, "pki/ca.crt")
          .ca(FRONT_PROXY, "pki/front-proxy-ca.crt")
          .ca(ETCD, "pki/etcd/ca.crt");
      // kubeadm's sa.pub, for components that verify service-account tokens; no sa.key: the
      // signing key is in signetd's token (ExternalJWTSigner)
      plan.serviceAccountPublicKeys = Optional.of("pki/sa.pub");
      plan.pair("apiserver", Profile.APISERVER, apiserver, "pki/apiserver");
      plan.pair(
          "apiserver-kubelet-client",
          Profile.APISERVER_KUBELET_CLIENT,
          Parameters.NONE,
          "pki/apiserver-kubelet-client");
      plan.pair(
          "front-proxy-client",
          Profile.FRONT_PROXY_CLIENT,
          Parameters.NONE,
          "pki/front-proxy-client");
      plan.pair("etcd-server", Profile.ETCD_SERVER, etcd, "pki/etcd/server");
      plan.pair("etcd-peer", Profile.ETCD_PEER, etcd, "pki/etcd/peer");
      plan.pair(
          "etcd-healthcheck-client",
          Profile.ETCD_HEALTHCHECK_CLIENT,
          Parameters.NONE,
          "pki/etcd/healthcheck-client");
      plan.pair(
          "apiserver-etcd-client",
          Profile.APISERVER_ETCD_CLIENT,
          Parameters.NONE,
          "pki/apiserver-etcd-client");
      plan.kubeconfig("admin.conf", Profile.ADMIN, Parameters.NONE, endpoint);
      plan.kubeconfig("super-admin.conf", Profile.SUPER_ADMIN, Parameters.NONE, endpoint);
      plan.kubeconfig(
          "controller-manager.conf", Profile.CONTROLLER_MANAGER, Parameters.NONE, local);
      plan.kubeconfig("scheduler.conf", Profile.SCHEDULER, Parameters.NONE, local);
      plan.kubeconfig("kubelet.conf", Profile.KUBELET_CLIENT, Parameters.node(in.node()), endpoint);
    } else {
      plan.ca(KUBERNETES, "ca.crt").ca(FRONT_PROXY, "front-proxy-ca.crt").ca(ETCD, "etcd-ca.crt");
      plan.serviceAccountPublicKeys = Optional.of("sa.pub");
      plan.pair("apiserver", Profile.APISERVER, apiserver, "apiserver");
      plan.pair(
          "apiserver-kubelet-client",
          Profile.APISERVER_KUBELET_CLIENT,
          Parameters.NONE,
          "apiserver-kubelet-client");
      plan.pair(
          "front-proxy-client", Profile.FRONT_PROXY_CLIENT, Parameters.NONE, "front-proxy-client");
      plan.pair("etcdserver", Profile.ETCD_SERVER, etcd, "etcdserver");
      plan.pair(
          "apiserver-etcd-client",
          Profile.APISERVER_ETCD_CLIENT,
          Parameters.NONE,
          "apiserver-etcd-client");
      plan.pair("admin", Profile.ADMIN, Parameters.NONE, "admin");
      plan.pair(
          "controller-manager", Profile.CONTROLLER_MANAGER, Parameters.NONE, "controller-manager");
      plan.pair("scheduler", Profile.SCHEDULER, Parameters.NONE, "scheduler");
      plan.pair("kubelet", Profile.KUBELET_CLIENT, Parameters.node(in.node()), "kubelet");
      plan.pair("kube-proxy", Profile.KUBE_PROXY, Parameters.NONE, "kube-proxy");
    }
    return plan.build();
  }

  /**
   * A kubelet's credentials: its client certificate (in kubelet.conf, or kubelet.crt referenced by
   * kubelet.conf in the flat layout), its serving pair and the kubernetes CA.
   */
  public static Plan kubelet(
      String node,
      List<String> addresses,
      String endpointUrl,
      Layout layout,
      KeyAlgorithm algorithm) {
    Builder plan = new Builder(algorithm);
    Parameters serving = new Parameters(node, "", "", "", "", List.of(), addresses);
    if (layout == Layout.KUBEADM) {
      plan.ca(KUBERNETES, "pki/ca.crt");
      plan.kubeconfig("kubelet.conf", Profile.KUBELET_CLIENT, Parameters.node(node), endpointUrl);
      plan.pair("kubelet-serving", Profile.KUBELET_SERVING, serving, "pki/kubelet-serving");
    } else {
      plan.ca(KUBERNETES, "ca.crt");
      plan.referencedBy(
          "kubelet",
          Profile.KUBELET_CLIENT,
          Parameters.node(node),
          "kubelet",
          "kubelet.conf",
          endpointUrl);
      plan.pair("kubelet-serving", Profile.KUBELET_SERVING, serving, "kubelet-serving");
    }
    return plan.build();
  }

  /** kube-proxy's client pair, and a kubeconfig that references it. */
  public static Plan kubeProxy(String endpointUrl, Layout layout, KeyAlgorithm algorithm) {
    Builder plan = new Builder(algorithm);
    String directory = layout == Layout.KUBEADM ? "pki/" : "";
    plan.ca(KUBERNETES, directory + "ca.crt");
    plan.referencedBy(
        "kube-proxy",
        Profile.KUBE_PROXY,
        Parameters.NONE,
        directory + "kube-proxy",
        "kube-proxy.conf",
        endpointUrl);
    return plan.build();
  }

  /** An etcd member's server, peer and healthcheck-client pairs, and the etcd CA. */
  public static Plan etcdMember(
      String node, String address, List<String> extraSans, Layout layout, KeyAlgorithm algorithm) {
    Builder plan = new Builder(algorithm);
    Parameters member = new Parameters(node, address, "", "", "", extraSans, List.of());
    if (layout == Layout.KUBEADM) {
      plan.ca(ETCD, "pki/etcd/ca.crt");
      plan.pair("etcd-server", Profile.ETCD_SERVER, member, "pki/etcd/server");
      plan.pair("etcd-peer", Profile.ETCD_PEER, member, "pki/etcd/peer");
      plan.pair(
          "etcd-healthcheck-client",
          Profile.ETCD_HEALTHCHECK_CLIENT,
          Parameters.NONE,
          "pki/etcd/healthcheck-client");
    } else {
      plan.ca(ETCD, "etcd-ca.crt");
      plan.pair("etcdserver", Profile.ETCD_SERVER, member, "etcdserver");
      plan.pair("etcd-peer", Profile.ETCD_PEER, member, "etcd-peer");
      plan.pair(
          "etcd-healthcheck-client",
          Profile.ETCD_HEALTHCHECK_CLIENT,
          Parameters.NONE,
          "etcd-healthcheck-client");
    }
    return plan.build();
  }

  /** One administrator kubeconfig (admin.conf's profile, or super-admin.conf's). */
  public static Plan admin(
      String fileName, boolean superAdmin, String endpointUrl, KeyAlgorithm algorithm) {
    Builder plan = new Builder(algorithm);
    plan.kubeconfig(
        fileName, superAdmin ? Profile.SUPER_ADMIN : Profile.ADMIN, Parameters.NONE, endpointUrl);
    return plan.build();
  }

  /** The kubeconfig server of the control plane: its endpoint, else this node's address. */
  public static String controlPlaneUrl(String endpoint, String advertiseAddress, int port) {
    return Endpoint.url(endpoint == null || endpoint.isEmpty() ? advertiseAddress : endpoint, port);
  }

  private static final class Builder {
    private final KeyAlgorithm algorithm;
    private final Map<TrustDomain, String> caFiles = new EnumMap<>(TrustDomain.class);
    private final List<Credential> credentials = new ArrayList<>();
    private Optional<String> serviceAccountPublicKeys = Optional.empty();

    Builder(KeyAlgorithm algorithm) {
      this.algorithm = algorithm;
    }

    Builder ca(TrustDomain domain, String file) {
      caFiles.put(domain, file);
      return this;
    }

    void pair(String name, Profile profile, Parameters parameters, String base) {
      credentials.add(
          Credential.pair(name, profile, parameters, algorithm, base + ".crt", base + ".key"));
    }

    void kubeconfig(String name, Profile profile, Parameters parameters, String server) {
      credentials.add(Credential.kubeconfig(name, profile, parameters, algorithm, name, server));
    }

    void referencedBy(
        String name,
        Profile profile,
        Parameters parameters,
        String base,
        String kubeconfig,
        String server) {
      credentials.add(
          Credential.pair(name, profile, parameters, algorithm, base + ".crt", base + ".key")
              .withKubeconfig(kubeconfig, server));
    }

    Plan build() {
      return new Plan(caFiles, credentials, serviceAccountPublicKeys);
    }
  }
}
