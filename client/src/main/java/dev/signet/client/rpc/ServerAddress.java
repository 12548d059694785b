package dev.signet.client.rpc;

/**
 * Where signetd listens: {@code HOST:PORT}, with IPv6 literals in brackets ({@code [::1]:7443}).
 */
public record ServerAddress(String host, int port) {
  /** Parses {@code HOST:PORT}; the port is required because signetd has no well-known one. */
  public static ServerAddress parse(String text) {
    String value = text.trim();
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || !value.startsWith(":", close + 1)) {
        throw invalid(text);
      }
      host = value.substring(1, close);
      port = value.substring(close + 2);
    } else {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || value.indexOf(':') != colon) {
        throw invalid(text);
      }
      host = value.substring(0, colon);
      port = value.substring(colon + 1);
    }
    try {
      int number = Integer.parseInt(port);
      if (host.isEmpty() || number < 1 || number > 65535) {
        throw invalid(text);
      }
      return new ServerAddress(host, number);
    } catch (NumberFormatException e) {
      throw invalid(text);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "'"
            + text
            + "' is not HOST:PORT (for example 127.0.0.1:7443, signet.example.com:7443 or [::1]:7443)");
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
