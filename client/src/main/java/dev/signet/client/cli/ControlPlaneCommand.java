package dev.signet.client.cli;

import dev.signet.client.node.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet control-plane}: a kubeadm-style control-plane node's whole PKI. */
@Command(
    name = "control-plane",
    header = "Write every certificate, key and kubeconfig a control-plane node needs.",
    description =
        "Makes one key pair per certificate on this node, asks signetd for each certificate and writes them, with the CA certificates, where kubeadm would. Valid files from an earlier run are kept (see --force and --renew-within); the request is recorded in DIR/.signet/manifest.yaml for `signet renew`.",
    sortOptions = false,
    customSynopsis =
        "signet control-plane --node NAME --advertise-address IP --out DIR [OPTIONS]%n",
    footerHeading = "%nFiles (kubeadm layout, relative to --out):%n",
    footer = {
      "  pki/ca.crt  pki/front-proxy-ca.crt  pki/etcd/ca.crt        CA certificates (no CA key, ever)",
      "  pki/apiserver.{crt,key}  pki/apiserver-kubelet-client.{crt,key}",
      "  pki/front-proxy-client.{crt,key}  pki/apiserver-etcd-client.{crt,key}",
      "  pki/etcd/server.{crt,key}  pki/etcd/peer.{crt,key}  pki/etcd/healthcheck-client.{crt,key}",
      "  admin.conf  super-admin.conf  kubelet.conf              server: the control-plane endpoint",
      "  controller-manager.conf  scheduler.conf                server: https://ADVERTISE-ADDRESS:PORT",
      "Keys and kubeconfigs are 0600, certificates 0644. With --layout flat:",
      "  ca.crt  etcd-ca.crt  front-proxy-ca.crt, and .crt/.key pairs apiserver,",
      "  apiserver-kubelet-client, apiserver-etcd-client, front-proxy-client, etcdserver",
      "  (also the etcd peer certificate: same names and usages), admin, controller-manager,",
      "  scheduler, kubelet (the kubelet's client certificate) and kube-proxy; no kubeconfigs.",
      "",
      "Example:",
      "  signet control-plane --node cp-1 --advertise-address 10.0.0.10 \\",
      "      --control-plane-endpoint k8s.example.com:6443 --out /etc/kubernetes"
    })
public final class ControlPlaneCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Option(
      names = "--node",
      required = true,
      paramLabel = "NAME",
      description = "This node's name (a DNS-1123 subdomain).")
  String node;

  @Option(
      names = "--advertise-address",
      required = true,
      paramLabel = "IP",
      description = "The IP address kube-apiserver and etcd advertise on this node.")
  String advertiseAddress;

  @Option(
      names = "--control-plane-endpoint",
      paramLabel = "HOST[:PORT]",
      description =
          "The cluster's shared endpoint (a load balancer or DNS name); in the apiserver certificate and the server of admin.conf, super-admin.conf and kubelet.conf. Default: this node's --advertise-address.")
  String controlPlaneEndpoint;

  @Option(
      names = "--apiserver-port",
      paramLabel = "PORT",
      defaultValue = "6443",
      description = "kube-apiserver's port. Default: 6443.")
  int apiserverPort;

  @Option(
      names = "--service-cidr",
      paramLabel = "CIDR",
      description =
          "The service CIDR; its first address goes into the apiserver certificate. Default: signetd's (10.96.0.0/12).")
  String serviceCidr;

  @Option(
      names = "--dns-domain",
      paramLabel = "DOMAIN",
      description = "The cluster DNS domain. Default: signetd's (cluster.local).")
  String dnsDomain;

  @Option(
      names = "--apiserver-extra-san",
      paramLabel = "NAME|IP",
      split = ",",
      description =
          "More names or addresses for the apiserver certificate (repeatable, or comma separated).")
  List<String> apiserverExtraSans = new ArrayList<>();

  @Option(
      names = "--etcd-extra-san",
      paramLabel = "NAME|IP",
      split = ",",
      description = "More names or addresses for the etcd server and peer certificates.")
  List<String> etcdExtraSans = new ArrayList<>();

  @Mixin IssueOptions.Destination destination;
  @Mixin IssueOptions issue;
  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    Plan plan =
        Plan.controlPlane(
            new Plan.ControlPlane(
                node,
                advertiseAddress,
                controlPlaneEndpoint,
                serviceCidr,
                dnsDomain,
                apiserverExtraSans,
                etcdExtraSans,
                apiserverPort),
            destination.layout,
            issue.algorithm());
    return issue.run(
        spec.commandLine().getOut(),
        "signet control-plane: node " + node,
        destination.out,
        plan,
        connection::connect);
  }
}
