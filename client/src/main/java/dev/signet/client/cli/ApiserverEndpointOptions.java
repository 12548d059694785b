package dev.signet.client.cli;

import dev.signet.client.node.Endpoint;
import picocli.CommandLine.Option;

/**
 * {@code --control-plane-endpoint} and {@code --apiserver-port} of the commands that write one
 * component's kubeconfig (admin, kube-proxy, kubelet): where it reaches kube-apiserver.
 */
public final class ApiserverEndpointOptions {
  @Option(
      names = "--control-plane-endpoint",
      required = true,
      paramLabel = "HOST[:PORT]",
      description = "Where the component reaches kube-apiserver (the server of its kubeconfig).")
  String controlPlaneEndpoint;

  @Option(
      names = "--apiserver-port",
      paramLabel = "PORT",
      defaultValue = "6443",
      description = "Port when the endpoint names none. Default: 6443.")
  int apiserverPort;

  /** The kubeconfig's server URL. */
  String url() {
    return Endpoint.url(controlPlaneEndpoint, apiserverPort);
  }
}
