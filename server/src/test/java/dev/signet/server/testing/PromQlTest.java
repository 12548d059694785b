package dev.signet.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tokenizer MonitoringIT checks deploy/'s expressions with: metric names, and nothing else. */
class PromQlTest {
  @Test
  void findsTheMetricsOfAggregationsFunctionsAndBinaryOperations() {
    assertEquals(
        Set.of("signet_ca_expiry_seconds"),
        PromQl.metricNames(
            "min by (trust_domain, generation) (signet_ca_expiry_seconds) < 90 * 24 * 3600"));
    assertEquals(
        Set.of("signet_refusals_total"),
        PromQl.metricNames(
            "sum by (instance) (rate(signet_refusals_total{reason=~\"CSR_.*\"}[5m]))\n"
                + "  > 5 * sum without (reason) (rate(signet_refusals_total[1h] offset 5m)) + 0.1"));
    assertEquals(
        Set.of("signet_calls_in_flight", "signet_calls_limit"),
        PromQl.metricNames(
            "max by (instance, listener) (signet_calls_in_flight / ignoring (x) signet_calls_limit)"
                + " > 0.9"));
    assertEquals(
        Set.of("signet_issuance_duration_seconds_bucket"),
        PromQl.metricNames(
            "histogram_quantile(0.99, sum by (le, profile)"
                + " (rate(signet_issuance_duration_seconds_bucket[5m])))"));
    assertEquals(Set.of("signet_token_up"), PromQl.metricNames("signet_token_up == bool 0"));
  }

  @Test
  void refusesWhatItCannotRead() {
    assertThrows(AssertionError.class, () -> PromQl.metricNames("rate(signet_x[5m]) # comment"));
    assertThrows(AssertionError.class, () -> PromQl.metricNames("sum by (le signet_x"));
  }
}
