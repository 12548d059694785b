package dev.signet.client.agent;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The agent's state as Prometheus metrics, read from the state at each scrape and served at {@code
 * /metrics} by the Prometheus client library's HTTP server on the address of {@code
 * --metrics-listen}: per certificate its expiry and next renewal, renewals and failures, the last
 * success; signetd's last contact; hooks; and {@code signet_agent_up}. Alert on {@code
 * signet_agent_renewal_failures_in_a_row > 0} or on an expiry drawing near.
 */
public final class Metrics implements AutoCloseable {
  private static final String[] CERTIFICATE = {"name", "file"};
  private static final String[] CA_FILE = {"domain", "file"};
  private static final String[] NONE = {};

  private final HTTPServer server;

  private Metrics(HTTPServer server) {
    this.server = server;
  }

  /** Serves {@code state}'s metrics on {@code address} until closed. */
  public static Metrics serve(InetSocketAddress address, Supplier<Optional<AgentState>> state)
      throws IOException {
    return new Metrics(
        HTTPServer.builder()
            .inetAddress(address.getAddress())
            .port(address.getPort())
            .registry(registry(state))
            .buildAndStart());
  }

  /** The port it listens on (the one asked for, or the one chosen for port 0). */
  public int port() {
    return server.getPort();
  }

  /** The agent's metrics; before the first pass only {@code signet_agent_up} has a sample. */
  static PrometheusRegistry registry(Supplier<Optional<AgentState>> state) {
    PrometheusRegistry registry = new PrometheusRegistry();
    gauge(registry, "signet_agent_up", "1 while the agent runs.", NONE, samples -> samples.add(1));
    perCertificate(
        registry,
        state,
        false,
        "signet_agent_certificate_expiry_timestamp_seconds",
        "When the certificate expires (Unix time); absent while its files are missing.",
        c -> c.expires().map(Instant::getEpochSecond));
    perCertificate(
        registry,
        state,
        false,
        "signet_agent_certificate_next_renewal_timestamp_seconds",
        "When the agent next renews the certificate, or retries after a failure (Unix time).",
        c -> Optional.of(c.nextRenewal().getEpochSecond()));
    perCertificate(
        registry,
        state,
        true,
        "signet_agent_renewals_total",
        "Renewals that succeeded.",
        c -> Optional.of(c.renewals()));
    perCertificate(
        registry,
        state,
        true,
        "signet_agent_renewal_failures_total",
        "Renewals that failed (signetd unreachable or refusing, files not writable).",
        c -> Optional.of(c.failures()));
    perCertificate(
        registry,
        state,
        false,
        "signet_agent_renewal_failures_in_a_row",
        "Failures since the last success; the current files stay meanwhile.",
        c -> Optional.of((long) c.failuresInARow()));
    perCertificate(
        registry,
        state,
        false,
        "signet_agent_last_success_timestamp_seconds",
        "When the certificate was last renewed by the agent (Unix time).",
        c -> c.lastSuccess().map(Instant::getEpochSecond));
    gauge(
        registry,
        "signet_agent_ca_bundle_certificates",
        "CA certificates in each CA file: 2 during a CA rotation.",
        CA_FILE,
        samples ->
            state
                .get()
                .ifPresent(
                    s ->
                        s.caFiles()
                            .forEach(f -> samples.add(f.certificates(), f.domain(), f.file()))));
    gauge(
        registry,
        "signet_agent_last_contact_timestamp_seconds",
        "When signetd last answered the agent (Unix time).",
        NONE,
        samples ->
            state
                .get()
                .flatMap(AgentState::lastContact)
                .ifPresent(at -> samples.add((double) at.getEpochSecond())));
    gauge(
        registry,
        "signet_agent_contact_failures_in_a_row",
        "Failed attempts to reach signetd since it last answered.",
        NONE,
        samples -> state.get().ifPresent(s -> samples.add(s.contactFailuresInARow())));
    counter(
        registry,
        "signet_agent_hook_runs_total",
        "Hook commands run after renewals.",
        NONE,
        samples -> state.get().ifPresent(s -> samples.add((double) s.hookRuns())));
    counter(
        registry,
        "signet_agent_hook_failures_total",
        "Hook commands that failed or timed out.",
        NONE,
        samples -> state.get().ifPresent(s -> samples.add((double) s.hookFailures())));
    return registry;
  }

  /** Where a callback puts its samples: a value and one value per label. */
  private interface Samples {
    void add(double value, String... labels);
  }

  private static void perCertificate(
      PrometheusRegistry registry,
      Supplier<Optional<AgentState>> state,
      boolean counter,
      String name,
      String help,
      Function<AgentState.Certificate, Optional<Long>> value) {
    Consumer<Samples> samples =
        out ->
            state
                .get()
                .ifPresent(
                    s ->
                        s.certificates()
                            .forEach(
                                c ->
                                    value.apply(c).ifPresent(v -> out.add(v, c.name(), c.file()))));
    if (counter) {
      counter(registry, name, help, CERTIFICATE, samples);
    } else {
      gauge(registry, name, help, CERTIFICATE, samples);
    }
  }

  private static void gauge(
      PrometheusRegistry registry,
      String name,
      String help,
      String[] labels,
      Consumer<Samples> samples) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(labels)
        .callback(callback -> samples.accept(callback::call))
        .register(registry);
  }

  private static void counter(
      PrometheusRegistry registry,
      String name,
      String help,
      String[] labels,
      Consumer<Samples> samples) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(labels)
        .callback(callback -> samples.accept(callback::call))
        .register(registry);
  }

  @Override
  public void close() {
    server.close();
  }
}
