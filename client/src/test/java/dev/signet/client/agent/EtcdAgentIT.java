package dev.signet.client.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.files.Certificates;
import dev.signet.client.testing.EtcdCluster;
import dev.signet.client.testing.EtcdProbe;
import dev.signet.client.testing.Generations;
import dev.signet.client.testing.Renewals;
import dev.signet.client.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real three-member etcd cluster keeps serving while the agents renew its members' certificates
 * underneath it, each renewal loaded by a restart of that member from the agent's hook, one member
 * at a time: a client writing and reading through the cluster all along never fails (retrying a
 * call once, as clients do), and at no moment are two members down.
 */
class EtcdAgentIT {
  @TempDir Path temp;

  @Test
  void membersKeepServingWhileTheirCertificatesAreRenewedAndReloaded() throws Exception {
    try (AgentsOnEtcd nodes = AgentsOnEtcd.start("etcd-agent", temp, "1m", "2m")) {
      EtcdCluster cluster = nodes.cluster;
      List<Long> firstPids = new ArrayList<>();
      List<Generations> watched = new ArrayList<>();
      List<Generations> credentials = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        firstPids.add(cluster.pid(cluster.member(i)));
        watched.add(new Generations(nodes.pki(i, "server.crt")));
        watched.add(new Generations(nodes.pki(i, "peer.crt")));
        credentials.add(new Generations(nodes.credentials.get(i).resolve("client.crt")));
      }
      try (EtcdProbe probe = EtcdProbe.start(cluster, 0, Duration.ofSeconds(2))) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
        // two renewals of every member's server and peer certificate, one of each credential
        while (watched.stream().anyMatch(g -> g.changes() < 2)
            || credentials.stream().anyMatch(g -> g.changes() < 1)) {
          assertTrue(
              Instant.now().isBefore(deadline),
              "renewals: "
                  + watched.stream().map(Generations::changes).toList()
                  + ", credentials "
                  + credentials.stream().map(Generations::changes).toList()
                  + nodes.agentLogs());
          for (Generations generations : watched) {
            if (generations.poll().isPresent()) {
              Renewals.assertRenewedPair(generations);
            }
          }
          for (Generations generations : credentials) {
            if (generations.poll().isPresent()) {
              Renewals.assertRenewedCredential(generations);
            }
          }
          Thread.sleep(250);
        }
        awaitRestartsDone(cluster, Duration.ofSeconds(60));
        // a few more rounds with every member back, and at least 30 in all (a busy machine
        // runs fewer rounds per renewal): wait for them, not for a time
        int minimum = Math.max(30, probe.rounds().size() + 4);
        Instant roundsDeadline = Instant.now().plus(Duration.ofMinutes(2));
        while (probe.rounds().size() < minimum && Instant.now().isBefore(roundsDeadline)) {
          Thread.sleep(250);
        }

        List<EtcdProbe.Round> rounds = probe.rounds();
        assertTrue(rounds.size() >= 30, probe.summary());
        assertTrue(
            rounds.stream().allMatch(EtcdProbe.Round::succeeded),
            "every write and read succeeded: " + probe.summary());
        System.out.println("EtcdAgentIT probe: " + probe.summary());
      }

      List<EtcdCluster.Restart> restarts = cluster.restartEvents();
      Set<String> down = new HashSet<>();
      for (EtcdCluster.Restart event : restarts) {
        assertNotEquals("unhealthy", event.what(), restarts.toString());
        if (event.what().equals("stopping")) {
          assertTrue(down.isEmpty(), "only one member down at a time: " + restarts);
          down.add(event.member());
        } else {
          down.remove(event.member());
        }
      }
      for (int i = 0; i < 3; i++) {
        String name = cluster.member(i).name();
        assertTrue(
            restarts.stream()
                    .filter(r -> r.member().equals(name) && r.what().equals("healthy"))
                    .count()
                >= 2,
            name + " restarted by its hook after renewals: " + restarts);
        assertNotEquals(
            firstPids.get(i), cluster.pid(cluster.member(i)), name + " runs as a new process");
        assertServes(nodes, i);
      }

      Tools.Run health = cluster.healthcheck(1, cluster.endpoints(), "endpoint", "health");
      assertEquals(
          3,
          health.output().lines().filter(l -> l.contains("is healthy")).count(),
          health.output());
      Tools.Run list = cluster.healthcheck(2, cluster.member(2).clientUrl(), "member", "list");
      for (String name : List.of("etcd-1", "etcd-2", "etcd-3")) {
        assertTrue(list.output().contains(", " + name + ", "), list.output());
      }
      for (int i = 0; i < 3; i++) {
        String log = nodes.agents.get(i).log();
        assertFalse(log.contains("failed"), "no renewal or hook failed:\n" + log);
        assertTrue(log.contains("hook for pki/etcd/"), log);
      }
    }
  }

  /** Waits until no restart is in progress (each stopping member healthy again). */
  static void awaitRestartsDone(EtcdCluster cluster, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      Set<String> down = new HashSet<>();
      for (EtcdCluster.Restart event : cluster.restartEvents()) {
        if (event.what().equals("stopping")) {
          down.add(event.member());
        } else {
          down.remove(event.member());
        }
      }
      if (down.isEmpty()) {
        return;
      }
      assertTrue(
          Instant.now().isBefore(deadline), "restarts still in progress: " + down + cluster.logs());
      Thread.sleep(200);
    }
  }

  /**
   * The member's TLS port presents the server certificate its directory holds now, once a restart
   * its hook made (it may be under way) is done: asked again for up to a minute.
   */
  static void assertServes(AgentsOnEtcd nodes, int member) throws Exception {
    String address = nodes.cluster.member(member).clientUrl().substring("https://".length());
    Instant deadline = Instant.now().plusSeconds(60);
    while (true) {
      X509Certificate onDisk = Certificates.read(nodes.pki(member, "server.crt")).get(0);
      Tools.Run served =
          Tools.run(
              List.of(
                  "openssl",
                  "s_client",
                  "-connect",
                  address,
                  "-CAfile",
                  nodes.pki(member, "ca.crt").toString(),
                  "-cert",
                  nodes.pki(member, "healthcheck-client.crt").toString(),
                  "-key",
                  nodes.pki(member, "healthcheck-client.key").toString()),
              Map.of());
      boolean presentedOne = served.output().contains("-----BEGIN CERTIFICATE-----");
      if (presentedOne) {
        X509Certificate presented =
            Certificates.read(served.output().getBytes(StandardCharsets.UTF_8)).get(0);
        if (presented.equals(onDisk) || Instant.now().isAfter(deadline)) {
          assertEquals(
              onDisk, presented, "etcd-" + (member + 1) + " serves its current certificate");
          return;
        }
      } else if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "etcd-" + (member + 1) + " presented no certificate: " + served.output());
      }
      Thread.sleep(1000); // renewed meanwhile, or restarting: the hook's restart is under way
    }
  }
}
