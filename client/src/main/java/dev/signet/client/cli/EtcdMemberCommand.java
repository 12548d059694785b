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

/** {@code signet etcd-member}: one etcd member's certificates. */
@Command(
    name = "etcd-member",
    header = "Write an etcd member's server, peer and healthcheck-client certificates.",
    description =
        "Server and peer certificates carry CN NAME and the names NAME, localhost, the address, 127.0.0.1 and ::1 (serverAuth and clientAuth), signed by the etcd CA.",
    sortOptions = false,
    customSynopsis = "signet etcd-member --node NAME --address IP --out DIR [OPTIONS]%n",
    footerHeading = "%nFiles (relative to --out):%n",
    footer = {
      "  kubeadm layout: pki/etcd/ca.crt, pki/etcd/{server,peer,healthcheck-client}.{crt,key}",
      "  flat layout:    etcd-ca.crt, etcdserver.{crt,key}, etcd-peer.{crt,key},",
      "                  etcd-healthcheck-client.{crt,key}",
      "For etcd: --cert-file/--key-file server, --peer-cert-file/--peer-key-file peer,",
      "--trusted-ca-file and --peer-trusted-ca-file the etcd CA, with --client-cert-auth",
      "and --peer-client-cert-auth.",
      "",
      "Example:",
      "  signet etcd-member --node etcd-1 --address 10.0.0.31 --out /etc/kubernetes"
    })
public final class EtcdMemberCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Option(
      names = "--node",
      required = true,
      paramLabel = "NAME",
      description = "The member's name (a DNS-1123 subdomain).")
  String node;

  @Option(
      names = "--address",
      required = true,
      paramLabel = "IP",
      description = "The IP address the member advertises.")
  String address;

  @Option(
      names = "--extra-san",
      paramLabel = "NAME|IP",
      split = ",",
      description = "More names or addresses for the server and peer certificates.")
  List<String> extraSans = new ArrayList<>();

  @Mixin IssueOptions.Destination destination;
  @Mixin IssueOptions issue;
  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    Plan plan = Plan.etcdMember(node, address, extraSans, destination.layout, issue.algorithm());
    return issue.run(
        spec.commandLine().getOut(),
        "signet etcd-member: node " + node,
        destination.out,
        plan,
        connection::connect);
  }
}
