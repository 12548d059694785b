package dev.signet.client.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hook commands: once per command after a pass, in the directory, bounded in time. */
class HooksTest {
  @TempDir Path directory;
  private final List<String> log = new ArrayList<>();

  @Test
  void eachCommandRunsOnceForAllItsFilesInTheDirectory() throws Exception {
    Map<String, String> configured = new LinkedHashMap<>();
    configured.put("pki/etcd/server.crt", "echo \"$SIGNET_FILES\" >> restarts.log");
    configured.put("pki/etcd/peer.crt", "echo \"$SIGNET_FILES\" >> restarts.log");
    configured.put("kubelet.conf", "echo kubelet >> kubelet.log");
    Hooks hooks = new Hooks(configured, Duration.ofSeconds(10), directory, log::add);

    List<Hooks.Run> runs =
        hooks.runFor(
            List.of(
                directory.resolve("pki/etcd/peer.crt"),
                directory.resolve("pki/etcd/server.crt"),
                directory.resolve("pki/etcd/server.key")));

    assertEquals(1, runs.size(), log.toString());
    assertTrue(runs.get(0).succeeded());
    assertEquals(
        List.of(
            directory.resolve("pki/etcd/server.crt")
                + " "
                + directory.resolve("pki/etcd/peer.crt")),
        Files.readAllLines(directory.resolve("restarts.log")));
    assertFalse(Files.exists(directory.resolve("kubelet.log")), "kubelet.conf was not written");
    assertTrue(
        log.get(0).startsWith("hook for pki/etcd/server.crt, pki/etcd/peer.crt (echo"),
        log.toString());
    assertTrue(log.get(0).contains(") succeeded after "), log.toString());
  }

  @Test
  void aFailingHookIsReportedWithItsExitStatus() {
    Hooks hooks =
        new Hooks(Map.of("ca.crt", "exit 3"), Duration.ofSeconds(10), directory, log::add);

    List<Hooks.Run> runs = hooks.runFor(List.of(directory.resolve("ca.crt")));

    assertFalse(runs.get(0).succeeded());
    assertTrue(log.get(0).contains("failed with exit status 3"), log.toString());
  }

  @Test
  void aHookStillRunningAtTheTimeoutIsKilledWithItsChildren() throws Exception {
    Path pid = directory.resolve("child.pid");
    Hooks hooks =
        new Hooks(
            Map.of("ca.crt", "sleep 600 & echo $! > child.pid; wait"),
            Duration.ofSeconds(1),
            directory,
            log::add);

    long started = System.nanoTime();
    List<Hooks.Run> runs = hooks.runFor(List.of(directory.resolve("ca.crt")));

    assertTrue(
        System.nanoTime() - started < Duration.ofMinutes(5).toNanos(),
        "did not wait for the ten-minute sleep");
    assertFalse(runs.get(0).succeeded());
    assertTrue(log.get(0).contains("still running after 1 s: killed"), log.toString());
    long child = Long.parseLong(Files.readString(pid).strip());
    Instant deadline = Instant.now().plusSeconds(60);
    while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)
        && Instant.now().isBefore(deadline)) {
      Thread.sleep(100);
    }
    assertFalse(
        ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false),
        "the hook's child was killed too");
  }
}
