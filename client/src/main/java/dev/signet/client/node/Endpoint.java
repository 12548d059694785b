package dev.signet.client.node;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.common.HostPort;

/** The URL a kubeconfig names for kube-apiserver, built from a host and a port. */
public final class Endpoint {
  private Endpoint() {}

  /**
   * {@code https://HOST:PORT} for a control-plane endpoint written {@code HOST}, {@code HOST:PORT},
   * {@code [IPV6]:PORT} or a bare IPv6 literal; {@code defaultPort} when it names none.
   *
   * @throws SignetException (usage) if it is none of these
   */
  public static String url(String endpoint, int defaultPort) {
    try {
      return HostPort.parse(endpoint, defaultPort).httpsUrl();
    } catch (IllegalArgumentException e) {
      throw new SignetException(ExitCode.USAGE, "kube-apiserver endpoint " + e.getMessage());
    }
  }
}
