package dev.signet.server.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Exposition;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestToken;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * signetd as a platform team operates it, one real process on a SoftHSM2 token: metrics scraped
 * over HTTP while it issues, the probes, server reflection through mutual TLS, and its log in JSON,
 * parsed line by line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> KUBELET_OK =
      Map.of("profile", "kubelet-client", "code", "OK");

  @TempDir static Path temp;

  private TestToken token;
  private DaemonProcess daemon;
  private ApiClient operator;

  @BeforeAll
  void start() throws Exception {
    token = TestToken.create(temp.resolve("hsm"), "observed");
    Path config =
        new DaemonConfig()
            .extra("metrics:\n  listen: \"127.0.0.1:0\"\nlogging:\n  format: json\n")
            .writeTo(token);
    DaemonProcess.init(token, config);
    daemon = DaemonProcess.serve(token, config);
    operator = ApiClient.asOperator(token, daemon.port());
  }

  @AfterAll
  void stop() throws Exception {
    operator.close();
    daemon.close();
  }

  @Test
  void countersAndHistogramsMoveWithRealIssuance() throws Exception {
    Exposition before = Exposition.scrape(daemon.metricsUrl() + "/metrics");
    for (int i = 0; i < 5; i++) {
      issueKubeletClient("metrics-" + i, Keys.csrBytes(Keys.ec()));
    }
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class,
            () -> issueKubeletClient("metrics-bad", ByteString.copyFromUtf8("not a CSR")));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());

    Exposition after = Exposition.scrape(daemon.metricsUrl() + "/metrics");

    assertEquals(
        5,
        count(after, "signet_issuance_duration_seconds_count", KUBELET_OK)
            - count(before, "signet_issuance_duration_seconds_count", KUBELET_OK));
    assertEquals(
        5,
        count(
                after,
                "signet_issuance_duration_seconds_bucket",
                Map.of("profile", "kubelet-client", "code", "OK", "le", "+Inf"))
            - count(
                before,
                "signet_issuance_duration_seconds_bucket",
                Map.of("profile", "kubelet-client", "code", "OK", "le", "+Inf")));
    assertTrue(
        after.sum("signet_issuance_duration_seconds_sum", KUBELET_OK)
            > before.sum("signet_issuance_duration_seconds_sum", KUBELET_OK));
    assertEquals(
        1,
        count(
            after,
            "signet_issuance_duration_seconds_count",
            Map.of("profile", "kubelet-client", "code", "INVALID_ARGUMENT")));
    assertTrue(
        after.samples("signet_refusals_total", Map.of()).stream()
            .anyMatch(s -> s.labels().get("reason").startsWith("CSR_") && s.value() >= 1),
        "the CSR refusal by its reason:\n" + after);
    // each certificate: one signature in the token, and its intent and its record committed
    assertTrue(
        count(after, "signet_token_signature_duration_seconds_count", Map.of("outcome", "ok"))
                - count(
                    before,
                    "signet_token_signature_duration_seconds_count",
                    Map.of("outcome", "ok"))
            >= 5);
    assertTrue(
        count(after, "signet_ledger_commit_duration_seconds_count", Map.of())
                - count(before, "signet_ledger_commit_duration_seconds_count", Map.of())
            >= 1);
    assertTrue(
        after.sum("signet_ledger_commit_batch_writes_sum", Map.of())
                - before.sum("signet_ledger_commit_batch_writes_sum", Map.of())
            >= 10,
        "two writes per certificate");
    assertEquals(1, after.value("signet_token_up", Map.of()));
    assertTrue(after.value("signet_audit_head_sequence", Map.of()) >= 11);
    assertTrue(
        after.value(
                "signet_ca_expiry_seconds", Map.of("trust_domain", "kubernetes", "generation", "1"))
            > 365 * 86400.0);
    assertEquals(64, after.value("signet_calls_limit", Map.of("listener", "api")));
    assertTrue(
        after.value("signet_tls_handshakes_total", Map.of("listener", "api", "result", "completed"))
            >= 1);
  }

  @Test
  void probesAnswerWithoutAClientCertificate() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> live = get(http, "/healthz");
    HttpResponse<String> ready = get(http, "/readyz");

    assertEquals(200, live.statusCode(), live.body());
    assertEquals(200, ready.statusCode(), ready.body());
    assertEquals("ready\n", ready.body());
    assertEquals(404, get(http, "/other").statusCode());
  }

  @Test
  void reflectionListsTheServicesAndDescribesIssuance() throws Exception {
    List<ServerReflectionResponse> answers =
        reflect(
            ServerReflectionRequest.newBuilder().setListServices("*").build(),
            ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("signet.v1.Issuance")
                .build());

    List<String> services =
        answers.get(0).getListServicesResponse().getServiceList().stream()
            .map(s -> s.getName())
            .toList();
    assertTrue(
        services.containsAll(
            List.of(
                "signet.v1.Issuance",
                "signet.v1.Credentials",
                "signet.v1.Ledger",
                "signet.v1.Audit",
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection")),
        services.toString());
    boolean described = false;
    for (ByteString file :
        answers.get(1).getFileDescriptorResponse().getFileDescriptorProtoList()) {
      FileDescriptorProto proto = FileDescriptorProto.parseFrom(file);
      for (var service : proto.getServiceList()) {
        if (service.getName().equals("Issuance")) {
          described =
              service.getMethodList().stream()
                  .anyMatch(
                      m ->
                          m.getName().equals("IssueKubeletClient")
                              && m.getInputType().equals(".signet.v1.IssueKubeletClientRequest"));
        }
      }
    }
    assertTrue(described, "signet.v1.Issuance described with IssueKubeletClient");
  }

  @Test
  void theJsonLogIsOneObjectPerLineWithOneInfoLinePerIssuance() throws Exception {
    operator
        .issuance()
        .issueKubeletClient(
            IssueKubeletClientRequest.newBuilder()
                .setNodeName("logged-1")
                .setCsrDer(Keys.csrBytes(Keys.ec()))
                .setRequestId("req-logged-1")
                .build());
    issueKubeletClient("logged-2", Keys.csrBytes(Keys.ec()));
    assertThrows(
        StatusRuntimeException.class,
        () -> issueKubeletClient("logged-bad", ByteString.copyFromUtf8("garbage")));
    // a node name is logged before it is validated: the log line cuts it and escapes its controls
    String forged = "a".repeat(5_000) + "\n{\"level\":\"INFO\",\"event\":\"forged\"}";
    assertThrows(
        StatusRuntimeException.class, () -> issueKubeletClient(forged, Keys.csrBytes(Keys.ec())));

    List<JsonNode> lines =
        awaitLogLines(
            l ->
                l.path("detail").asText().contains("CSR")
                    || l.path("node").asText().startsWith("aaaa"),
            2);

    List<JsonNode> issued = new ArrayList<>();
    for (JsonNode line : lines) {
      for (String key : List.of("time", "level", "event", "logger", "message")) {
        assertTrue(line.hasNonNull(key), key + " in " + line);
      }
      if (line.path("event").asText().equals("issued")
          && line.path("request_id").asText().equals("req-logged-1")) {
        issued.add(line);
      }
    }
    assertEquals(1, issued.size(), "one line for the issuance: " + issued);
    JsonNode one = issued.get(0);
    assertEquals("kubelet-client", one.get("profile").asText());
    assertEquals("INFO", one.get("level").asText());
    assertEquals("OK", one.get("status").asText());
    assertEquals("operator", one.get("caller").asText());
    assertEquals("logged-1", one.get("node").asText());
    String serial = one.get("serial").asText();
    assertTrue(serial.matches("[0-9a-f]{32}"), one.toString());
    assertTrue(one.get("duration_ms").isNumber(), one.toString());
    assertEquals(
        List.of(one),
        lines.stream()
            .filter(l -> l.path("level").asText().equals("INFO") && l.toString().contains(serial))
            .toList(),
        "the only INFO line that names the certificate");
    JsonNode refusal =
        lines.stream()
            .filter(l -> l.path("event").asText().equals("issuance_refused"))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertEquals("INVALID_ARGUMENT", refusal.get("status").asText());
    JsonNode bounded =
        lines.stream()
            .filter(l -> l.path("node").asText().startsWith("aaaa"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no line for the long node name"));
    assertTrue(bounded.get("node").asText().length() < 400, bounded.toString());
    assertFalse(bounded.get("node").asText().contains("\n"), bounded.toString());
    assertTrue(lines.stream().noneMatch(l -> l.path("event").asText().equals("forged")));
    String pin = new String(token.userPin());
    assertFalse(daemon.log().contains(pin), "the PIN is never logged");
  }

  /** The log's lines, each parsed as JSON, once {@code count} of them match {@code wanted}. */
  private List<JsonNode> awaitLogLines(java.util.function.Predicate<JsonNode> wanted, int count)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      List<JsonNode> lines = new ArrayList<>();
      for (String line : daemon.log().lines().toList()) {
        JsonNode parsed = JSON.readTree(line); // fails on a line that is not one JSON object
        assertTrue(parsed.isObject(), line);
        lines.add(parsed);
      }
      if (lines.stream().filter(wanted).count() >= count || System.nanoTime() > deadline) {
        return lines;
      }
      Thread.sleep(100);
    }
  }

  private List<ServerReflectionResponse> reflect(ServerReflectionRequest... requests)
      throws Exception {
    List<ServerReflectionResponse> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> stream =
        ServerReflectionGrpc.newStub(operator.channel())
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse answer) {
                    synchronized (answers) {
                      answers.add(answer);
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    for (ServerReflectionRequest request : requests) {
      stream.onNext(request);
    }
    stream.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    return answers;
  }

  private HttpResponse<String> get(HttpClient http, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(daemon.metricsUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void issueKubeletClient(String node, ByteString csr) {
    operator
        .issuance()
        .issueKubeletClient(
            IssueKubeletClientRequest.newBuilder().setNodeName(node).setCsrDer(csr).build());
  }

  private static double count(Exposition scrape, String name, Map<String, String> labels) {
    return scrape.sum(name, labels);
  }
}
