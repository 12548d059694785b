package dev.signet.client.node;

/** The URL a kubeconfig names for kube-apiserver, built from a host and a port. */
public final class Endpoint {
  private Endpoint() {}

  /**
   * {@code https://HOST:PORT} for a control-plane endpoint written {@code HOST}, {@code HOST:PORT},
   * {@code [IPV6]:PORT} or a bare IPv6 literal; {@code defaultPort} when it names none.
   */
  public static String url(String endpoint, int defaultPort) {
    String host = endpoint;
    String port = String.valueOf(defaultPort);
    if (endpoint.startsWith("[")) {
      int close = endpoint.indexOf(']');
      if (close > 0) {
        host = endpoint.substring(1, close);
        if (endpoint.startsWith(":", close + 1)) {
          port = endpoint.substring(close + 2);
        }
      }
    } else if (endpoint.indexOf(':') >= 0 && endpoint.indexOf(':') == endpoint.lastIndexOf(':')) {
      host = endpoint.substring(0, endpoint.indexOf(':'));
      port = endpoint.substring(endpoint.indexOf(':') + 1);
    }
    return "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
