package dev.signet.client.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.testing.Exposition;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state file: a round trip, the status table, and the metrics served from it. */
class AgentStateTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir Path root;

  /** Above Linux's largest process id (2^22): no running process has it, on any machine. */
  private static final long NO_PROCESS = 4_194_305;

  static AgentState sample() {
    return new AgentState(
        NO_PROCESS,
        NOW.minusSeconds(3600),
        NOW.minusSeconds(5),
        Optional.of(NOW.minusSeconds(6)),
        0,
        3,
        1,
        List.of(
            new AgentState.Certificate(
                "kubelet.conf",
                "kubelet.conf",
                "1f2e",
                Optional.of(NOW.plusSeconds(600)),
                NOW.plusSeconds(300),
                "renewed 2026-03-01T11:55:00Z (2/3 of its lifetime reached)",
                Optional.of(NOW.minusSeconds(300)),
                2,
                0,
                0),
            new AgentState.Certificate(
                "kubelet-serving",
                "pki/kubelet-\"serving\".crt",
                "",
                Optional.empty(),
                NOW.plusSeconds(20),
                "failed 2026-03-01T11:59:40Z: cannot reach signetd",
                Optional.empty(),
                0,
                3,
                3)),
        List.of(
            new AgentState.CaFile(
                "kubernetes", "pki/ca.crt", 2, Optional.of(NOW.minusSeconds(60)))));
  }

  @Test
  void theStateFileRoundTripsAndHoldsNoSecret() throws Exception {
    AgentState state = sample();
    Files.createDirectories(root.resolve(".signet"));

    state.write(root);

    assertEquals(Optional.of(state), AgentState.read(root));
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(AgentState.file(root))));
    String text = AgentState.readText(root).orElseThrow();
    assertTrue(text.startsWith("{\n  \"version\": 1,\n  \"pid\": 4194305,"), text);
    assertTrue(text.contains("\"file\": \"pki/kubelet-\\\"serving\\\".crt\""), text);
    assertEquals(Optional.empty(), AgentState.read(root.resolve("elsewhere")));
  }

  @Test
  void aStateOfAnotherVersionOrWithAnUnknownKeyIsRefusedWithItsPath() throws Exception {
    Files.createDirectories(root.resolve(".signet"));
    sample().write(root);
    String text = AgentState.readText(root).orElseThrow();

    Files.writeString(AgentState.file(root), text.replace("\"version\": 1", "\"version\": 2"));
    IOException otherVersion = assertThrows(IOException.class, () -> AgentState.read(root));
    Files.writeString(AgentState.file(root), text.replaceFirst("\\{", "{\"colour\": \"blue\","));
    IOException unknownKey = assertThrows(IOException.class, () -> AgentState.read(root));
    Files.writeString(AgentState.file(root), text.replace("\"pid\"", "\"pids\""));
    IOException missingKey = assertThrows(IOException.class, () -> AgentState.read(root));
    Files.writeString(AgentState.file(root), text.substring(0, text.length() / 2));
    IOException truncated = assertThrows(IOException.class, () -> AgentState.read(root));

    assertTrue(otherVersion.getMessage().contains("version 2 is not 1"), otherVersion.getMessage());
    assertTrue(unknownKey.getMessage().contains("colour"), unknownKey.getMessage());
    assertTrue(missingKey.getMessage().contains("pid"), missingKey.getMessage());
    for (IOException refused : List.of(otherVersion, unknownKey, missingKey, truncated)) {
      assertTrue(
          refused.getMessage().startsWith("unreadable agent state " + AgentState.file(root)),
          refused.getMessage());
    }
  }

  @Test
  void theTableShowsEachCertificateAndCaFile() {
    String table = sample().table(NOW);

    assertTrue(
        table.startsWith(
            "Agent pid 4194305 (not running), started 2026-03-01T11:00:00Z, state of 2026-03-01T11:59:55Z (5 s ago).\n"),
        table);
    assertTrue(
        table.contains("signetd last reached: 2026-03-01T11:59:54Z. Hooks run: 3, failed: 1."),
        table);
    assertTrue(
        table.contains(
            "NAME              EXPIRES                NEXT RENEWAL           RENEWALS   FAILURES IN A ROW   LAST RESULT"),
        table);
    assertTrue(
        table.contains(
            "kubelet.conf      2026-03-01T12:10:00Z   2026-03-01T12:05:00Z   2          0                   renewed 2026-03-01T11:55:00Z"),
        table);
    assertTrue(
        table.contains(
            "kubelet-serving   !MISSING!              2026-03-01T12:00:20Z   0          3                   failed"),
        table);
    assertTrue(
        table.contains("pki/ca.crt   kubernetes     2              2026-03-01T11:59:00Z"), table);
  }

  @Test
  void theMetricsAreServedInThePrometheusTextFormat() throws Exception {
    AtomicReference<Optional<AgentState>> state = new AtomicReference<>(Optional.empty());
    try (Metrics metrics =
        Metrics.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), state::get)) {
      String url = "http://127.0.0.1:" + metrics.port() + "/metrics";

      Exposition beforeTheFirstPass = Exposition.scrape(url);
      state.set(Optional.of(sample()));
      Exposition scrape = Exposition.scrape(url);

      assertEquals(Set.of("signet_agent_up"), beforeTheFirstPass.sampleNames());
      assertEquals(1, scrape.value("signet_agent_up", Map.of()));
      Map<String, String> kubelet = Map.of("name", "kubelet.conf", "file", "kubelet.conf");
      Map<String, String> serving =
          Map.of("name", "kubelet-serving", "file", "pki/kubelet-\"serving\".crt");
      assertEquals(
          (double) NOW.plusSeconds(600).getEpochSecond(),
          scrape.value("signet_agent_certificate_expiry_timestamp_seconds", kubelet));
      assertEquals(
          Optional.empty(),
          scrape.find("signet_agent_certificate_expiry_timestamp_seconds", serving),
          "a missing certificate has no expiry sample");
      assertEquals(
          (double) NOW.plusSeconds(20).getEpochSecond(),
          scrape.value("signet_agent_certificate_next_renewal_timestamp_seconds", serving));
      assertEquals(2, scrape.value("signet_agent_renewals_total", kubelet));
      assertEquals(3, scrape.value("signet_agent_renewal_failures_total", serving));
      assertEquals(3, scrape.value("signet_agent_renewal_failures_in_a_row", serving));
      assertEquals(
          (double) NOW.minusSeconds(300).getEpochSecond(),
          scrape.value("signet_agent_last_success_timestamp_seconds", kubelet));
      assertEquals(
          2,
          scrape.value(
              "signet_agent_ca_bundle_certificates",
              Map.of("domain", "kubernetes", "file", "pki/ca.crt")));
      assertEquals(
          (double) NOW.minusSeconds(6).getEpochSecond(),
          scrape.value("signet_agent_last_contact_timestamp_seconds", Map.of()));
      assertEquals(0, scrape.value("signet_agent_contact_failures_in_a_row", Map.of()));
      assertEquals(3, scrape.value("signet_agent_hook_runs_total", Map.of()));
      assertEquals(1, scrape.value("signet_agent_hook_failures_total", Map.of()));
      assertEquals("counter", scrape.types().get("signet_agent_renewals_total"));
      assertEquals("gauge", scrape.types().get("signet_agent_renewal_failures_in_a_row"));
    }
  }
}
