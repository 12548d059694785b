package dev.signet.server.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.CreateCheckpointRequest;
import dev.signet.api.v1.GetCrlRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.TrustDomain;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Exposition;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.PromQl;
import dev.signet.server.testing.TestDaemon;
import dev.signet.server.testing.TestToken;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What monitoring sees of a running signetd (in this JVM): the alert rules and the dashboard under
 * deploy/ read only metrics it actually exports, and its readiness flips when its token is pulled
 * out while liveness stays.
 */
class MonitoringIT {
  private static final Path ROOT = TestToken.projectRoot();

  @Test
  void alertRulesAndDashboardReadOnlyMetricsSignetdExports() throws Exception {
    try (TestDaemon daemon =
        TestDaemon.start("monitored", new DaemonConfig().extra(metricsOnAnyPort()))) {
      // everything the rules and panels watch has happened once
      daemon
          .operator()
          .issuance()
          .issueKubeletClient(
              IssueKubeletClientRequest.newBuilder()
                  .setNodeName("watched-1")
                  .setCsrDer(Keys.csrBytes(Keys.ec()))
                  .build());
      assertThrows(
          StatusRuntimeException.class,
          () ->
              daemon
                  .operator()
                  .issuance()
                  .issueKubeletClient(
                      IssueKubeletClientRequest.newBuilder()
                          .setNodeName("watched-2")
                          .setCsrDer(ByteString.copyFromUtf8("no CSR"))
                          .build()));
      daemon.operator().audit().createCheckpoint(CreateCheckpointRequest.getDefaultInstance());
      daemon
          .operator()
          .ledger()
          .getCrl(
              GetCrlRequest.newBuilder()
                  .setTrustDomain(TrustDomain.TRUST_DOMAIN_KUBERNETES)
                  .build());
      daemon
          .operator()
          .credentials()
          .createBootstrapToken(
              CreateBootstrapTokenRequest.newBuilder()
                  .setNodeName("watched-3")
                  .addAddresses("192.0.2.3")
                  .build());
      Set<String> exported = Exposition.scrape(daemon.metricsUrl() + "/metrics").sampleNames();

      List<String> expressions = new ArrayList<>();
      expressions.addAll(alertExpressions());
      expressions.addAll(dashboardExpressions());
      assertTrue(expressions.size() >= 15, expressions.toString());
      Set<String> read = new TreeSet<>();
      for (String expression : expressions) {
        Set<String> names = PromQl.metricNames(expression);
        assertFalse(names.isEmpty(), "reads no metric: " + expression);
        read.addAll(names);
      }
      Set<String> missing = new TreeSet<>(read);
      missing.removeAll(exported);
      assertEquals(Set.of(), missing, "read by deploy/ but not exported; exported: " + exported);
      for (String required :
          List.of(
              "signet_ca_expiry_seconds",
              "signet_token_up",
              "signet_audit_checkpoint_age_seconds",
              "signet_refusals_total")) {
        assertTrue(
            alertExpressions().stream().anyMatch(e -> PromQl.metricNames(e).contains(required)),
            "an alert on " + required);
      }
    }
  }

  @Test
  void readinessFlipsWhenTheTokenIsPulledOutAndLivenessStays() throws Exception {
    try (TestDaemon daemon =
        TestDaemon.start("pulled", new DaemonConfig().extra(metricsOnAnyPort()))) {
      HttpClient http = HttpClient.newHttpClient();
      assertEquals(200, get(http, daemon, "/readyz").statusCode());

      daemon.pullToken();
      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  daemon
                      .operator()
                      .issuance()
                      .issueKubeletClient(
                          IssueKubeletClientRequest.newBuilder()
                              .setNodeName("after-pull")
                              .setCsrDer(Keys.csrBytes(Keys.ec()))
                              .build()));

      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
      HttpResponse<String> ready = get(http, daemon, "/readyz");
      assertEquals(503, ready.statusCode(), ready.body());
      assertTrue(ready.body().startsWith("token: "), ready.body());
      assertEquals(200, get(http, daemon, "/healthz").statusCode());
      assertEquals(
          0,
          Exposition.scrape(daemon.metricsUrl() + "/metrics").value("signet_token_up", Map.of()));
    }
  }

  @Test
  void withoutMetricsListenNothingListens() throws Exception {
    try (TestDaemon daemon = TestDaemon.start("quiet", new DaemonConfig())) {
      assertTrue(daemon.daemon().metricsPort().isEmpty());
    }
  }

  private static String metricsOnAnyPort() {
    return "metrics:\n  listen: \"127.0.0.1:0\"\n";
  }

  private static HttpResponse<String> get(HttpClient http, TestDaemon daemon, String path)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(daemon.metricsUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @SuppressWarnings("unchecked")
  private static List<String> alertExpressions() throws Exception {
    Map<String, Object> rules =
        (Map<String, Object>)
            new Load(LoadSettings.builder().build())
                .loadFromString(
                    Files.readString(ROOT.resolve("deploy/prometheus/signet-alerts.yml")));
    List<String> expressions = new ArrayList<>();
    for (Object group : (List<Object>) rules.get("groups")) {
      for (Object rule : (List<Object>) ((Map<String, Object>) group).get("rules")) {
        expressions.add((String) ((Map<String, Object>) rule).get("expr"));
      }
    }
    return expressions;
  }

  private static List<String> dashboardExpressions() throws Exception {
    JsonNode dashboard =
        new ObjectMapper()
            .readTree(Files.readString(ROOT.resolve("deploy/grafana/signet-dashboard.json")));
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        expressions.add(target.get("expr").asText());
      }
    }
    return expressions;
  }
}
