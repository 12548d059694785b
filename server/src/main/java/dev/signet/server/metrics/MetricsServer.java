package dev.signet.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * signetd's local HTTP endpoint ({@code metrics.listen}): {@code /metrics} in the Prometheus
 * formats, {@code /healthz} (the process answers) and {@code /readyz} (200 while the daemon can
 * issue, 503 with the reasons when it cannot), for a platform's probes and scrapers, which have no
 * Signet client certificate. Plain HTTP on purpose: it reveals counts and health, never a
 * certificate, key or caller identity; keep it on a local or otherwise protected address.
 */
public final class MetricsServer implements AutoCloseable {
  private final HTTPServer server;

  private MetricsServer(HTTPServer server) {
    this.server = server;
  }

  /**
   * Serves {@code metrics} and the probes on {@code host:port}; {@code unready} lists why the
   * daemon cannot issue now (empty: ready).
   */
  public static MetricsServer start(
      String host, int port, SignetdMetrics metrics, Supplier<List<String>> unready)
      throws IOException {
    return new MetricsServer(
        HTTPServer.builder()
            .inetAddress(InetAddress.getByName(host))
            .port(port)
            .registry(metrics.registry())
            .registerHealthHandler(false)
            // one thread: a scraper and two probes, never a crowd
            .executorService(
                Executors.newSingleThreadExecutor(
                    runnable -> {
                      Thread thread = new Thread(runnable, "signet-metrics");
                      thread.setDaemon(true);
                      return thread;
                    }))
            .defaultHandler(exchange -> probe(exchange, unready))
            .buildAndStart());
  }

  private static void probe(HttpExchange exchange, Supplier<List<String>> unready)
      throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!exchange.getRequestMethod().equals("GET")) {
        exchange.sendResponseHeaders(405, -1);
      } else if (path.equals("/healthz")) {
        answer(exchange, 200, "ok\n");
      } else if (path.equals("/readyz")) {
        List<String> problems = unready.get();
        answer(
            exchange,
            problems.isEmpty() ? 200 : 503,
            problems.isEmpty() ? "ready\n" : String.join("\n", problems) + "\n");
      } else {
        answer(exchange, 404, "not found: try /metrics, /healthz or /readyz\n");
      }
    }
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
