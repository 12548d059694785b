package dev.signet.common;

import com.google.common.net.HostAndPort;

/**
 * A host and a port as Signet reads them everywhere ({@code signetd.yaml}'s listen addresses, the
 * node client's {@code --server}, signetd's admin commands, kube-apiserver endpoints): {@code
 * HOST:PORT}, with IPv6 literals in brackets ({@code [::1]:7443}). Parsed by Guava's {@link
 * HostAndPort}.
 */
public record HostPort(String host, int port) {
  /** Parses {@code HOST:PORT} of a server to reach: the port is required, from 1 to 65535. */
  public static HostPort parse(String text) {
    HostAndPort parsed = parsed(text);
    if (!parsed.hasPort() || parsed.getPort() == 0) {
      throw invalid(text);
    }
    return new HostPort(parsed.getHost(), parsed.getPort());
  }

  /** Parses {@code HOST:PORT} to listen on: the port is required; 0 means any free one. */
  public static HostPort parseListen(String text) {
    HostAndPort parsed = parsed(text);
    if (!parsed.hasPort()) {
      throw invalid(text);
    }
    return new HostPort(parsed.getHost(), parsed.getPort());
  }

  /**
   * Parses {@code HOST}, {@code HOST:PORT}, {@code [IPV6]:PORT} or a bare IPv6 literal; {@code
   * defaultPort} when it names no port.
   */
  public static HostPort parse(String text, int defaultPort) {
    HostAndPort parsed = parsed(text);
    return new HostPort(parsed.getHost(), parsed.getPortOrDefault(defaultPort));
  }

  /** {@code https://HOST:PORT}, with an IPv6 host in brackets. */
  public String httpsUrl() {
    return "https://" + this;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static HostAndPort parsed(String text) {
    HostAndPort parsed;
    try {
      parsed = HostAndPort.fromString(text.trim());
    } catch (IllegalArgumentException e) {
      throw invalid(text);
    }
    if (parsed.getHost().isEmpty()) {
      throw invalid(text);
    }
    return parsed;
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "'"
            + text
            + "' is not HOST:PORT (for example 127.0.0.1:7443, signet.example.com:7443 or"
            + " [::1]:7443)");
  }
}
