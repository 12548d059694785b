package dev.signet.client.cli;

import dev.signet.client.node.Plan;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code signet kubelet}: a worker's kubelet credentials. */
@Command(
    name = "kubelet",
    header = "Write a kubelet's client and serving certificates and its kubeconfig.",
    description =
        "The client certificate (CN system:node:NAME, O system:nodes) authenticates the kubelet to kube-apiserver; the serving certificate (the node's names and addresses) is the kubelet's own TLS endpoint: point tlsCertFile/tlsPrivateKeyFile at it.",
    sortOptions = false,
    customSynopsis = {
      "signet kubelet --node NAME --address IP|NAME... --out DIR",
      "                      --control-plane-endpoint HOST[:PORT] [OPTIONS]%n"
    },
    footerHeading = "%nFiles (relative to --out):%n",
    footer = {
      "  kubeadm layout: kubelet.conf (client certificate and key embedded), pki/ca.crt,",
      "                  pki/kubelet-serving.{crt,key}",
      "  flat layout:    kubelet.conf (referencing kubelet.crt/.key), ca.crt,",
      "                  kubelet.{crt,key} (client), kubelet-serving.{crt,key}",
      "",
      "Example:",
      "  signet kubelet --node worker-1 --address 10.0.0.21 --address worker-1.example.com \\",
      "      --control-plane-endpoint k8s.example.com:6443 --out /etc/kubernetes"
    })
public final class KubeletCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Mixin KubeletOptions kubelet;

  @Mixin IssueOptions.Destination destination;
  @Mixin IssueOptions issue;
  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    Plan plan = kubelet.plan(destination.layout, issue.algorithm());
    return issue.run(
        spec.commandLine().getOut(),
        "signet kubelet: node " + kubelet.node,
        destination.out,
        plan,
        connection::connect);
  }
}
