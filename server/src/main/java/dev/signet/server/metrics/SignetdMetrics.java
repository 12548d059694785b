package dev.signet.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Consumer;

/**
 * signetd's metrics, one registry per daemon (tests run several in one JVM), on the Prometheus Java
 * client. The instruments the request path updates live here; counters and histograms of the
 * library add without a lock of their own, so a call pays an atomic add and no wait. What is read
 * from the daemon's state when scraped (token health, audit head, CRLs, CA expiry, calls in flight)
 * is registered by the daemon with {@link #gauge}.
 */
public final class SignetdMetrics {
  /** Latencies from a fraction of a millisecond (a cached answer) to the 30 s call limit. */
  private static final double[] SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();

  /** One observation per issuing call: its profile and gRPC status code. */
  public final Histogram issuance =
      Histogram.builder()
          .name("signet_issuance_duration_seconds")
          .help(
              "Issuing calls by certificate profile and gRPC status code (OK: issued), from the"
                  + " call's arrival to its answer.")
          .labelNames("profile", "code")
          .classicOnly()
          .classicUpperBounds(SECONDS)
          .register(registry);

  /** Calls answered with anything but OK, by Signet's reason (the status code when it has none). */
  public final Counter refusals =
      Counter.builder()
          .name("signet_refusals_total")
          .help(
              "Calls refused or failed, by reason: Signet's reason code (as in the audit trail), or"
                  + " the gRPC status code of a refusal before any service ran (limits, TLS"
                  + " identity, authorization).")
          .labelNames("reason")
          .register(registry);

  public final Histogram signatures =
      Histogram.builder()
          .name("signet_token_signature_duration_seconds")
          .help("Signatures made in the token (CA and audit keys), by outcome: ok or error.")
          .labelNames("outcome")
          .classicOnly()
          .classicUpperBounds(SECONDS)
          .register(registry);

  public final Histogram commits =
      Histogram.builder()
          .name("signet_ledger_commit_duration_seconds")
          .help("Durable commits of the ledger's group committer: one per batch of writes.")
          .classicOnly()
          .classicUpperBounds(SECONDS)
          .register(registry);

  public final Histogram batches =
      Histogram.builder()
          .name("signet_ledger_commit_batch_writes")
          .help("Writes per group commit (ledger writes of concurrent calls share one commit).")
          .classicOnly()
          .classicUpperBounds(1, 2, 4, 8, 16, 32, 64)
          .register(registry);

  public final Counter bootstrapTokens =
      Counter.builder()
          .name("signet_bootstrap_tokens_total")
          .help(
              "Bootstrap tokens created, spent by a join, or refused (a join with an unknown,"
                  + " expired, spent or malformed token, or a request the token does not allow).")
          .labelNames("result")
          .register(registry);

  public final Counter handshakes =
      Counter.builder()
          .name("signet_tls_handshakes_total")
          .help(
              "TLS handshakes by listener (api, enrollment) and result: started, completed (the"
                  + " connection is ready for calls), client_certificate_refused (api only). A"
                  + " handshake that neither completes nor is refused timed out or failed"
                  + " otherwise.")
          .labelNames("listener", "result")
          .register(registry);

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Where a gauge's callback puts its samples: a value and one value per label. */
  public interface Samples {
    void add(double value, String... labelValues);
  }

  /** Registers a gauge read when scraped; a callback that fails leaves its samples out. */
  public void gauge(String name, String help, String[] labels, Consumer<Samples> samples) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(labels)
        .callback(callback -> samples.accept(callback::call))
        .register(registry);
  }

  /** Seconds from {@code nanos} (a {@link System#nanoTime} difference). */
  public static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
