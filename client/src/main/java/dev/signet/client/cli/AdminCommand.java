package dev.signet.client.cli;

import dev.signet.client.node.Plan;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet admin}: a cluster administrator's kubeconfig. */
@Command(
    name = "admin",
    header = "Write an administrator kubeconfig (as admin.conf, or super-admin.conf).",
    description =
        "CN kubernetes-admin, O kubeadm:cluster-admins (bound to cluster-admin by kubeadm). With --super-admin: CN kubernetes-super-admin, O system:masters, the break-glass credential that bypasses RBAC; keep it offline.",
    sortOptions = false,
    customSynopsis =
        "signet admin --control-plane-endpoint HOST[:PORT] --out FILE [--super-admin] [OPTIONS]%n",
    footer = {
      "%nThe file is 0600; its manifest is kept in .signet/ beside it.",
      "",
      "Example:",
      "  signet admin --control-plane-endpoint k8s.example.com:6443 --out ~/.kube/config"
    })
public final class AdminCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Mixin ApiserverEndpointOptions endpoint;

  @Option(
      names = "--super-admin",
      description = "The system:masters credential instead of kubeadm:cluster-admins.")
  boolean superAdmin;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "The kubeconfig to write.")
  Path out;

  @Mixin IssueOptions issue;
  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    Path file = out.toAbsolutePath().normalize();
    Plan plan =
        Plan.admin(file.getFileName().toString(), superAdmin, endpoint.url(), issue.algorithm());
    return issue.run(
        spec.commandLine().getOut(), "signet admin", file.getParent(), plan, connection::connect);
  }
}
