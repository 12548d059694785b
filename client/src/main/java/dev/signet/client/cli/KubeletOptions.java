package dev.signet.client.cli;

import dev.signet.client.node.Layout;
import dev.signet.client.node.Plan;
import dev.signet.common.KeyAlgorithm;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What a kubelet's credentials are made of: shared by {@code signet kubelet} and {@code signet
 * join}.
 */
public final class KubeletOptions {
  @Option(
      names = "--node",
      required = true,
      paramLabel = "NAME",
      description = "The node's name as the kubelet registers it.")
  String node;

  @Option(
      names = "--address",
      required = true,
      paramLabel = "IP|NAME",
      split = ",",
      description = "The node's addresses and DNS names for the serving certificate (repeatable).")
  List<String> addresses;

  @Mixin ApiserverEndpointOptions endpoint;

  Plan plan(Layout layout, KeyAlgorithm algorithm) {
    return Plan.kubelet(node, addresses, endpoint.url(), layout, algorithm);
  }
}
