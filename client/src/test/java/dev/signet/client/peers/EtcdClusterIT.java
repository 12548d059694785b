package dev.signet.client.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.testing.Cli;
import dev.signet.client.testing.Tools;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real three-member etcd cluster (Debian's etcd-server) on loopback, with client and peer
 * certificate authentication, running on the server and peer certificates signet wrote: member 1
 * from {@code signet control-plane}, members 2 and 3 from {@code signet etcd-member}. etcdctl
 * (Debian's etcd-client) is the client.
 */
class EtcdClusterIT {
  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(30);

  @TempDir static Path temp;
  static TestDaemon daemon;
  static final List<Process> members = new ArrayList<>();
  static final List<String> clientUrls = new ArrayList<>();
  static Path controlPlane;

  @BeforeAll
  static void startCluster() throws Exception {
    daemon = TestDaemon.start("etcd-cluster", new DaemonConfig());
    controlPlane = temp.resolve("cp");
    assertSucceeds(Cli.as(daemon, "control-plane", "--node", "etcd-1", "--advertise-address", "127.0.0.1", "--out", controlPlane.toString()));
    List<Path> pki = new ArrayList<>(List.of(controlPlane.resolve("pki/etcd")));
    for (String node : List.of("etcd-2", "etcd-3")) {
      Path out = temp.resolve(node);
      assertSucceeds(Cli.as(daemon, "etcd-member", "--node", node, "--address", "127.0.0.1", "--out", out.toString()));
      pki.add(out.resolve("pki/etcd"));
    }

    int[] clientPorts = Tools.freePorts(3);
    int[] peerPorts = Tools.freePorts(3);
    String initialCluster =
        java.util.stream.IntStream.range(0, 3)
            .mapToObj(i -> "etcd-" + (i + 1) + "=https://127.0.0.1:" + peerPorts[i])
            .collect(Collectors.joining(","));
    Runtime.getRuntime().addShutdownHook(new Thread(EtcdClusterIT::killMembers));
    for (int i = 0; i < 3; i++) {
      String clientUrl = "https://127.0.0.1:" + clientPorts[i];
      String peerUrl = "https://127.0.0.1:" + peerPorts[i];
      clientUrls.add(clientUrl);
      Path dir = pki.get(i);
      List<String> command =
          List.of(
              "/usr/bin/etcd",
              "--name", "etcd-" + (i + 1),
              "--data-dir", temp.resolve("data-" + (i + 1)).toString(),
              "--listen-client-urls", clientUrl,
              "--advertise-client-urls", clientUrl,
              "--listen-peer-urls", peerUrl,
              "--initial-advertise-peer-urls", peerUrl,
              "--initial-cluster", initialCluster,
              "--initial-cluster-state", "new",
              "--initial-cluster-token", "signet-test",
              "--cert-file", dir.resolve("server.crt").toString(),
              "--key-file", dir.resolve("server.key").toString(),
              "--peer-cert-file", dir.resolve("peer.crt").toString(),
              "--peer-key-file", dir.resolve("peer.key").toString(),
              "--trusted-ca-file", dir.resolve("ca.crt").toString(),
              "--peer-trusted-ca-file", dir.resolve("ca.crt").toString(),
              "--client-cert-auth",
              "--peer-client-cert-auth");
      members.add(
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(temp.resolve("etcd-" + (i + 1) + ".log").toFile())
              .start());
    }
    awaitHealthy();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    killMembers();
    if (daemon != null) {
      daemon.close();
    }
  }

  private static void killMembers() {
    for (Process member : members) {
      member.destroyForcibly();
      try {
        member.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void theApiserverEtcdClientPutsAndGetsAKey() throws Exception {
    Tools.Run put = etcdctl("apiserver-etcd-client", clientUrls.get(0), "put", "/signet/test", "written-through-member-1");
    assertEquals(0, put.exitCode(), put.output());
    assertTrue(put.output().contains("OK"), put.output());

    Tools.Run get = etcdctl("apiserver-etcd-client", clientUrls.get(2), "get", "/signet/test", "--print-value-only");
    assertEquals(0, get.exitCode(), get.output());
    assertEquals("written-through-member-1", get.output().strip(), "replicated to member 3");
  }

  @Test
  void theHealthcheckClientSeesThreeHealthyMembers() throws Exception {
    Tools.Run health = etcdctl("etcd/healthcheck-client", String.join(",", clientUrls), "endpoint", "health");
    assertEquals(0, health.exitCode(), health.output());
    assertEquals(3, health.output().lines().filter(l -> l.contains("is healthy")).count(), health.output());

    Tools.Run list = etcdctl("etcd/healthcheck-client", clientUrls.get(1), "member", "list");
    assertEquals(0, list.exitCode(), list.output());
    for (String name : List.of("etcd-1", "etcd-2", "etcd-3")) {
      assertTrue(list.output().contains(", " + name + ", "), list.output());
    }
  }

  @Test
  void aClientCertificateOfTheKubernetesCaIsRefused() throws Exception {
    Path log = temp.resolve("etcd-1.log");
    long before = Files.size(log);

    Tools.Run refused = etcdctl("apiserver-kubelet-client", clientUrls.get(0), "get", "/signet/test");

    assertNotEquals(0, refused.exitCode(), refused.output());
    // etcdctl only sees its retries time out; the member says why it closed the connection.
    String logged = Files.readString(log).substring((int) before);
    assertTrue(
        logged.contains("rejected connection") && logged.contains("certificate signed by unknown authority"),
        "etcd-1 refused the kubernetes-CA client certificate at TLS:\n" + logged);
  }

  /** etcdctl with the etcd CA and the client credential {@code pki/NAME.{crt,key}} of member 1's node. */
  private static Tools.Run etcdctl(String credential, String endpoints, String... args) throws Exception {
    Path pki = controlPlane.resolve("pki");
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/bin/etcdctl",
                "--endpoints", endpoints,
                "--cacert", pki.resolve("etcd/ca.crt").toString(),
                "--cert", pki.resolve(credential + ".crt").toString(),
                "--key", pki.resolve(credential + ".key").toString(),
                "--dial-timeout", "3s",
                "--command-timeout", "3s"));
    command.addAll(List.of(args));
    return Tools.run(command, Map.of("ETCDCTL_API", "3"));
  }

  private static void awaitHealthy() throws Exception {
    Instant deadline = Instant.now().plus(HEALTHY_WITHIN);
    Tools.Run last = null;
    while (Instant.now().isBefore(deadline)) {
      for (Process member : members) {
        if (!member.isAlive()) {
          throw new IllegalStateException("an etcd member exited: " + logs());
        }
      }
      last = etcdctl("etcd/healthcheck-client", String.join(",", clientUrls), "endpoint", "health");
      if (last.exitCode() == 0) {
        return;
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("etcd not healthy within " + HEALTHY_WITHIN + ": " + (last == null ? "" : last.output()) + logs());
  }

  private static String logs() throws IOException {
    StringBuilder logs = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      Path log = temp.resolve("etcd-" + i + ".log");
      if (Files.exists(log)) {
        List<String> lines = Files.readAllLines(log);
        logs.append("\n--- etcd-").append(i).append(":\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
      }
    }
    return logs.toString();
  }

  private static void assertSucceeds(Cli.Result result) {
    assertEquals(0, result.exitCode(), result.toString());
  }
}
