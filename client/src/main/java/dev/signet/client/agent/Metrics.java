package dev.signet.client.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The agent's state in the Prometheus text exposition format (version 0.0.4), served at {@code
 * /metrics} by the JDK's HTTP server on the address of {@code --metrics-listen}: per certificate
 * its expiry and next renewal, renewals and failures, the last success; signetd's last contact;
 * hooks; and {@code signet_agent_up}. Alert on {@code signet_agent_renewal_failures_in_a_row > 0}
 * or on an expiry drawing near.
 */
public final class Metrics implements AutoCloseable {
  private final HttpServer server;

  private Metrics(HttpServer server) {
    this.server = server;
  }

  /** Serves {@code state}'s metrics on {@code address} until closed. */
  public static Metrics serve(InetSocketAddress address, Supplier<Optional<AgentState>> state)
      throws IOException {
    HttpServer server = HttpServer.create(address, 16);
    server.createContext("/metrics", exchange -> answer(exchange, render(state.get())));
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "signet-agent-metrics");
              thread.setDaemon(true);
              return thread;
            }));
    server.start();
    return new Metrics(server);
  }

  /** The port it listens on (the one asked for, or the one chosen for port 0). */
  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, String text) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      if (!exchange.getRequestURI().getPath().equals("/metrics")) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** The exposition text; before the first pass only {@code signet_agent_up}. */
  static String render(Optional<AgentState> found) {
    StringBuilder out = new StringBuilder();
    family(out, "signet_agent_up", "gauge", "1 while the agent runs.");
    out.append("signet_agent_up 1\n");
    if (found.isEmpty()) {
      return out.toString();
    }
    AgentState state = found.get();
    List<AgentState.Certificate> certificates = state.certificates();
    perCertificate(
        out,
        certificates,
        "signet_agent_certificate_expiry_timestamp_seconds",
        "gauge",
        "When the certificate expires (Unix time); absent while its files are missing.",
        c -> c.expires().map(Instant::getEpochSecond));
    perCertificate(
        out,
        certificates,
        "signet_agent_certificate_next_renewal_timestamp_seconds",
        "gauge",
        "When the agent next renews the certificate, or retries after a failure (Unix time).",
        c -> Optional.of(c.nextRenewal().getEpochSecond()));
    perCertificate(
        out,
        certificates,
        "signet_agent_renewals_total",
        "counter",
        "Renewals that succeeded.",
        c -> Optional.of(c.renewals()));
    perCertificate(
        out,
        certificates,
        "signet_agent_renewal_failures_total",
        "counter",
        "Renewals that failed (signetd unreachable or refusing, files not writable).",
        c -> Optional.of(c.failures()));
    perCertificate(
        out,
        certificates,
        "signet_agent_renewal_failures_in_a_row",
        "gauge",
        "Failures since the last success; the current files stay meanwhile.",
        c -> Optional.of((long) c.failuresInARow()));
    perCertificate(
        out,
        certificates,
        "signet_agent_last_success_timestamp_seconds",
        "gauge",
        "When the certificate was last renewed by the agent (Unix time).",
        c -> c.lastSuccess().map(Instant::getEpochSecond));
    family(
        out,
        "signet_agent_ca_bundle_certificates",
        "gauge",
        "CA certificates in each CA file: 2 during a CA rotation.");
    for (AgentState.CaFile file : state.caFiles()) {
      out.append("signet_agent_ca_bundle_certificates{domain=\"")
          .append(escape(file.domain()))
          .append("\",file=\"")
          .append(escape(file.file()))
          .append("\"} ")
          .append(file.certificates())
          .append('\n');
    }
    if (state.lastContact().isPresent()) {
      family(
          out,
          "signet_agent_last_contact_timestamp_seconds",
          "gauge",
          "When signetd last answered the agent (Unix time).");
      out.append("signet_agent_last_contact_timestamp_seconds ")
          .append(state.lastContact().get().getEpochSecond())
          .append('\n');
    }
    family(
        out,
        "signet_agent_contact_failures_in_a_row",
        "gauge",
        "Failed attempts to reach signetd since it last answered.");
    out.append("signet_agent_contact_failures_in_a_row ")
        .append(state.contactFailuresInARow())
        .append('\n');
    family(out, "signet_agent_hook_runs_total", "counter", "Hook commands run after renewals.");
    out.append("signet_agent_hook_runs_total ").append(state.hookRuns()).append('\n');
    family(
        out,
        "signet_agent_hook_failures_total",
        "counter",
        "Hook commands that failed or timed out.");
    out.append("signet_agent_hook_failures_total ").append(state.hookFailures()).append('\n');
    return out.toString();
  }

  private static void perCertificate(
      StringBuilder out,
      List<AgentState.Certificate> certificates,
      String name,
      String type,
      String help,
      Function<AgentState.Certificate, Optional<Long>> value) {
    family(out, name, type, help);
    for (AgentState.Certificate certificate : certificates) {
      value
          .apply(certificate)
          .ifPresent(
              v ->
                  out.append(name)
                      .append("{name=\"")
                      .append(escape(certificate.name()))
                      .append("\",file=\"")
                      .append(escape(certificate.file()))
                      .append("\"} ")
                      .append(v)
                      .append('\n'));
    }
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  /** A label value as the format wants it: backslash, double quote and newline escaped. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
