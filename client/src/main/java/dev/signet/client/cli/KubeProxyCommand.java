package dev.signet.client.cli;

import dev.signet.client.node.Plan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code signet kube-proxy}: kube-proxy's client credential. */
@Command(
    name = "kube-proxy",
    header = "Write kube-proxy's client certificate, key and kubeconfig.",
    description =
        "For clusters that run kube-proxy with a certificate (CN system:kube-proxy) rather than a ServiceAccount token, as kubernetes-the-hard-way does.",
    sortOptions = false,
    customSynopsis = "signet kube-proxy --control-plane-endpoint HOST[:PORT] --out DIR [OPTIONS]%n",
    footerHeading = "%nFiles (relative to --out):%n",
    footer = {
      "  kubeadm layout: kube-proxy.conf (referencing pki/kube-proxy.{crt,key}), pki/ca.crt",
      "  flat layout:    kube-proxy.conf (referencing kube-proxy.{crt,key}), ca.crt",
      "",
      "Example:",
      "  signet kube-proxy --control-plane-endpoint k8s.example.com:6443 --out /var/lib/kube-proxy"
    })
public final class KubeProxyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Mixin ApiserverEndpointOptions endpoint;

  @Mixin IssueOptions.Destination destination;
  @Mixin IssueOptions issue;
  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    Plan plan = Plan.kubeProxy(endpoint.url(), destination.layout, issue.algorithm());
    return issue.run(
        spec.commandLine().getOut(),
        "signet kube-proxy",
        destination.out,
        plan,
        connection::connect);
  }
}
