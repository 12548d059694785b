package dev.signet.client.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.CaGeneration;
import dev.signet.api.v1.CaState;
import dev.signet.api.v1.CaStatus;
import dev.signet.api.v1.GetCaStatusRequest;
import dev.signet.api.v1.RotateCaRequest;
import dev.signet.api.v1.RotationPhase;
import dev.signet.api.v1.TrustDomain;
import dev.signet.client.files.Certificates;
import dev.signet.client.rpc.SignetClient;
import dev.signet.client.testing.Cli;
import dev.signet.client.testing.EtcdCluster;
import dev.signet.client.testing.EtcdProbe;
import dev.signet.client.testing.RenewalWatch;
import dev.signet.client.testing.Tools;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real three-member etcd cluster whose members' directories are kept by agents keeps serving
 * while the agents renew its members' certificates and the etcd CA is rotated underneath it. One
 * cluster for both: a rotation's run renews every member's certificates twice anyway, and a cluster
 * with its three agents costs some 45 s of CPU.
 *
 * <p>Renewals: each renewal is loaded by a restart of that member from the agent's hook, one member
 * at a time; a client writing and reading through the cluster all along never fails (retrying a
 * call once, as clients do), and at no moment are two members down. Every change of a member's
 * server and peer certificate and of an agent's credential is a renewal ({@link Renewals}).
 *
 * <p>The rotation, prepare → activate → retire:
 *
 * <ul>
 *   <li>prepare: each agent rewrites its {@code etcd/ca.crt} with both CAs and its hook restarts
 *       the member (one at a time); the leaves stay.
 *   <li>activate: each agent re-issues its leaves under the new CA at once, though not yet due.
 *   <li>retire: refused while old-CA certificates live; once they have expired (the agents having
 *       re-issued everything, nothing old is renewed), it succeeds without force and the agents
 *       rewrite {@code etcd/ca.crt} with the new CA alone.
 * </ul>
 *
 * At every step, a client with an old-CA certificate (until retire: by then it has expired, as it
 * must for retire) and one with a new-CA certificate (once there is a new CA that signs) write
 * through every member and read back through it with the other; every member is healthy and the
 * member list complete. Nothing is refused at any step. Certificates live two minutes here, so the
 * test renews its own clients with {@code signet renew} when a step needs them longer.
 */
class EtcdAgentIT {
  private static final TrustDomain ETCD = TrustDomain.TRUST_DOMAIN_ETCD;

  @TempDir Path temp;

  @Test
  void membersKeepServingThroughRenewalsAndACaRotation() throws Exception {
    try (AgentsOnEtcd nodes = AgentsOnEtcd.start("etcd-agent", temp, "2m", "3m");
        RenewalWatch renewals = watch(nodes)) {
      EtcdCluster cluster = nodes.cluster;
      List<Long> firstPids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        firstPids.add(cluster.pid(cluster.member(i)));
      }
      X509Certificate oldCa = Certificates.read(nodes.pki(0, "ca.crt")).get(0);
      Path oldClient = temp.resolve("old-client");
      assertSucceeds(controlPlane(nodes, "cp-old", oldClient));
      try (EtcdProbe probe = EtcdProbe.start(cluster, 0, Duration.ofSeconds(2))) {
        talk(cluster, "before", List.of(oldClient));
        // prepare: both CAs in every bundle, the old one signing
        CaStatus prepared = rotate(nodes, RotationPhase.ROTATION_PHASE_PREPARE);
        X509Certificate newCa =
            SignetClient.parse(
                generation(prepared, CaState.CA_STATE_PREPARED).getCertificateDer().toByteArray());
        awaitEveryMember(nodes, List.of(oldCa, newCa), oldCa, List.of("ca.crt"), "prepare");
        talk(cluster, "prepare", List.of(oldClient));

        // activate: the new CA signs; the agents re-issue every leaf under it
        assertSucceeds(
            Cli.as(
                nodes.daemon, "renew", "all", "--dir", oldClient.toString())); // old CA still signs
        assertEquals(
            List.of(oldCa, newCa), Certificates.read(oldClient.resolve("pki/etcd/ca.crt")));
        rotate(nodes, RotationPhase.ROTATION_PHASE_ACTIVATE);
        awaitEveryMember(
            nodes,
            List.of(newCa, oldCa),
            newCa,
            List.of("ca.crt", "server.crt", "peer.crt", "healthcheck-client.crt"),
            "activate");
        for (int i = 0; i < 3; i++) {
          assertTrue(
              nodes
                  .agents
                  .get(i)
                  .log()
                  .contains("(its issuer no longer signs: the etcd CA was rotated)"),
              nodes.agents.get(i).tail());
        }
        Path newClient = temp.resolve("new-client");
        assertSucceeds(controlPlane(nodes, "cp-new", newClient));
        assertTrue(issuedBy(newClient.resolve("pki/apiserver-etcd-client.crt"), newCa));
        assertTrue(issuedBy(oldClient.resolve("pki/apiserver-etcd-client.crt"), oldCa));
        talk(cluster, "activate", List.of(oldClient, newClient));

        // retire: refused while old-CA certificates live, then without force once they expired
        StatusRuntimeException early =
            assertThrows(
                StatusRuntimeException.class,
                () -> rotate(nodes, RotationPhase.ROTATION_PHASE_RETIRE));
        assertEquals(Status.Code.FAILED_PRECONDITION, early.getStatus().getCode());
        assertTrue(
            early
                .getStatus()
                .getDescription()
                .contains("unexpired certificates issued by the previous CA remain"),
            early.getMessage());
        awaitNoLiveOldCertificates(nodes, Duration.ofSeconds(150));
        rotate(nodes, RotationPhase.ROTATION_PHASE_RETIRE);
        awaitEveryMember(nodes, List.of(newCa), newCa, List.of("ca.crt"), "retire");
        assertSucceeds(
            Cli.as(
                nodes.daemon,
                "renew",
                "all",
                "--dir",
                newClient.toString())); // its two minutes are up
        talk(cluster, "retire", List.of(newClient));

        // two renewals of every member's server and peer certificate (activate's re-issue is
        // one), one of each credential, each loaded by a restart
        renewals.await(2, 1, Duration.ofMinutes(3));
        awaitRestartsDone(cluster, Duration.ofSeconds(60));
        List<EtcdProbe.Round> rounds = probe.rounds();
        assertTrue(rounds.size() >= 30, probe.summary());
        assertTrue(
            rounds.stream().allMatch(EtcdProbe.Round::succeeded),
            "every write and read succeeded: " + probe.summary());
        System.out.println("EtcdAgentIT probe: " + probe.summary() + "; renewals: " + renewals);
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
        EtcdCluster.Member member = cluster.member(i);
        assertTrue(
            restarts.stream()
                    .filter(r -> r.member().equals(member.name()) && r.what().equals("healthy"))
                    .count()
                >= 2,
            member.name() + " restarted by its hook after renewals: " + restarts);
        assertNotEquals(firstPids.get(i), cluster.pid(member), member.name() + " runs anew");
        assertServes(nodes, i);
        List<String> refusals =
            Files.readAllLines(member.log()).stream()
                .filter(
                    l ->
                        l.contains("rejected connection")
                            && (l.contains("certificate") || l.contains("authority")))
                .toList();
        assertEquals(List.of(), refusals, member.name() + " refused no certificate");
        String log = nodes.agents.get(i).log();
        assertFalse(log.contains("failed"), "no renewal or hook failed:\n" + log);
        assertTrue(log.contains("hook for pki/etcd/"), log);
      }
    }
  }

  /** Every member's server and peer certificate, and every agent's credential. */
  private static RenewalWatch watch(AgentsOnEtcd nodes) throws Exception {
    List<Path> pairs = new ArrayList<>();
    List<Path> credentials = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      pairs.add(nodes.pki(i, "server.crt"));
      pairs.add(nodes.pki(i, "peer.crt"));
      credentials.add(nodes.credentials.get(i).resolve("client.crt"));
    }
    return new RenewalWatch(pairs, credentials);
  }

  /** Waits until no restart is in progress (each stopping member healthy again). */
  private static void awaitRestartsDone(EtcdCluster cluster, Duration timeout) throws Exception {
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
  private static void assertServes(AgentsOnEtcd nodes, int member) throws Exception {
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

  private static CaStatus rotate(AgentsOnEtcd nodes, RotationPhase phase) {
    return nodes
        .daemon
        .operator()
        .ca()
        .rotateCa(RotateCaRequest.newBuilder().setTrustDomain(ETCD).setPhase(phase).build());
  }

  private static CaGeneration generation(CaStatus status, CaState state) {
    return status.getGenerationsList().stream()
        .filter(g -> g.getState() == state)
        .findFirst()
        .orElseThrow();
  }

  private static Cli.Result controlPlane(AgentsOnEtcd nodes, String node, Path out) {
    return Cli.as(
        nodes.daemon,
        "control-plane",
        "--node",
        node,
        "--advertise-address",
        "127.0.0.1",
        "--out",
        out.toString());
  }

  /**
   * Waits until every member's {@code ca.crt} is {@code bundle}, the named leaves are issued by
   * {@code signer}, and the member was restarted (and healthy again) after those files changed.
   */
  private static void awaitEveryMember(
      AgentsOnEtcd nodes,
      List<X509Certificate> bundle,
      X509Certificate signer,
      List<String> files,
      String step)
      throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    for (int i = 0; i < 3; i++) {
      while (!settled(nodes, i, bundle, signer, files)) {
        assertTrue(
            Instant.now().isBefore(deadline),
            step + ": etcd-" + (i + 1) + " not settled" + nodes.agentLogs() + nodes.cluster.logs());
        Thread.sleep(1000); // each look reads and verifies up to twelve certificates
      }
    }
  }

  private static boolean settled(
      AgentsOnEtcd nodes,
      int member,
      List<X509Certificate> bundle,
      X509Certificate signer,
      List<String> files)
      throws Exception {
    if (!Certificates.read(nodes.pki(member, "ca.crt")).equals(bundle)) {
      return false;
    }
    Instant changed = Instant.MIN;
    for (String file : files) {
      Path path = nodes.pki(member, file);
      if (!file.equals("ca.crt") && !issuedBy(path, signer)) {
        return false;
      }
      Instant modified = Files.getLastModifiedTime(path).toInstant();
      changed = modified.isAfter(changed) ? modified : changed;
    }
    String name = nodes.cluster.member(member).name();
    Instant since = changed;
    return nodes.cluster.restartEvents().stream()
        .anyMatch(
            r -> r.member().equals(name) && r.what().equals("healthy") && r.at().isAfter(since));
  }

  private static boolean issuedBy(Path certificate, X509Certificate ca) throws Exception {
    return Certificates.issuedBy(Certificates.read(certificate), List.of(ca));
  }

  private static void awaitNoLiveOldCertificates(AgentsOnEtcd nodes, Duration timeout)
      throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      CaStatus status =
          nodes
              .daemon
              .operator()
              .ca()
              .getCaStatus(GetCaStatusRequest.newBuilder().setTrustDomain(ETCD).build());
      long live = generation(status, CaState.CA_STATE_PREVIOUS).getLiveCertificates();
      if (live == 0) {
        return;
      }
      assertTrue(Instant.now().isBefore(deadline), live + " old-CA certificates still live");
      Thread.sleep(2000);
    }
  }

  /**
   * Every client writes a key through every member, and every client reads it back through the same
   * member: each client uses its apiserver-etcd-client certificate and trusts its own etcd/ca.crt.
   * Then every member is healthy and the member list is complete.
   */
  private static void talk(EtcdCluster cluster, String step, List<Path> clients) throws Exception {
    for (Path client : clients) {
      Instant notAfter =
          Certificates.read(client.resolve("pki/apiserver-etcd-client.crt"))
              .get(0)
              .getNotAfter()
              .toInstant();
      assertTrue(
          notAfter.isAfter(Instant.now().plusSeconds(15)),
          step + ": the certificate of " + client.getFileName() + " is valid");
    }
    for (EtcdCluster.Member member : cluster.members()) {
      String prefix = "/rotation/" + step + "/" + member.name() + "/";
      List<String> written = new ArrayList<>();
      for (Path writer : clients) {
        Tools.Run put =
            etcdctl(
                writer,
                member.clientUrl(),
                "put",
                prefix + writer.getFileName(),
                "from-" + writer.getFileName());
        assertEquals(
            0,
            put.exitCode(),
            step
                + ": "
                + writer.getFileName()
                + " writes through "
                + member.name()
                + ": "
                + put.output());
        written.add("from-" + writer.getFileName());
      }
      // every client reads all of them back through the same member, in one call
      for (Path reader : clients) {
        Tools.Run get =
            etcdctl(reader, member.clientUrl(), "get", prefix, "--prefix", "--print-value-only");
        assertEquals(
            0,
            get.exitCode(),
            step
                + ": "
                + reader.getFileName()
                + " reads through "
                + member.name()
                + ": "
                + get.output());
        assertEquals(
            Set.copyOf(written),
            get.output().lines().filter(line -> !line.isBlank()).collect(Collectors.toSet()),
            step + ": " + reader.getFileName() + " reads every write through " + member.name());
      }
    }
    Path client = clients.get(clients.size() - 1);
    Tools.Run health = etcdctl(client, cluster.endpoints(), "endpoint", "health");
    assertEquals(0, health.exitCode(), step + ": " + health.output());
    assertEquals(
        3,
        health.output().lines().filter(l -> l.contains("is healthy")).count(),
        step + ": " + health.output());
    Tools.Run list = etcdctl(client, cluster.endpoints(), "member", "list");
    List<String> names = new ArrayList<>();
    for (String name : List.of("etcd-1", "etcd-2", "etcd-3")) {
      if (list.output().contains(", " + name + ", ")) {
        names.add(name);
      }
    }
    assertEquals(List.of("etcd-1", "etcd-2", "etcd-3"), names, step + ": " + list.output());
  }

  private static Tools.Run etcdctl(Path client, String endpoints, String... args) throws Exception {
    Path pki = client.resolve("pki");
    return EtcdCluster.etcdctl(
        pki.resolve("etcd/ca.crt"),
        pki.resolve("apiserver-etcd-client.crt"),
        pki.resolve("apiserver-etcd-client.key"),
        endpoints,
        args);
  }

  private static void assertSucceeds(Cli.Result result) {
    assertEquals(0, result.exitCode(), result.toString());
  }
}
