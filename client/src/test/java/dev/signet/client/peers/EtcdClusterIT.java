package dev.signet.client.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.testing.Cli;
import dev.signet.client.testing.EtcdCluster;
import dev.signet.client.testing.Tools;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
  @TempDir static Path temp;
  static TestDaemon daemon;
  static EtcdCluster cluster;
  static Path controlPlane;

  @BeforeAll
  static void startCluster() throws Exception {
    daemon = TestDaemon.start("etcd-cluster", new DaemonConfig());
    controlPlane = temp.resolve("cp");
    assertSucceeds(
        Cli.as(
            daemon,
            "control-plane",
            "--node",
            "etcd-1",
            "--advertise-address",
            "127.0.0.1",
            "--out",
            controlPlane.toString()));
    List<Path> pki = new ArrayList<>(List.of(controlPlane.resolve("pki/etcd")));
    for (String node : List.of("etcd-2", "etcd-3")) {
      Path out = temp.resolve(node);
      assertSucceeds(
          Cli.as(
              daemon,
              "etcd-member",
              "--node",
              node,
              "--address",
              "127.0.0.1",
              "--out",
              out.toString()));
      pki.add(out.resolve("pki/etcd"));
    }
    cluster = EtcdCluster.start(temp.resolve("etcd"), pki);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void theApiserverEtcdClientPutsAndGetsAKey() throws Exception {
    Tools.Run put =
        etcdctl(
            "apiserver-etcd-client",
            cluster.member(0).clientUrl(),
            "put",
            "/signet/test",
            "written-through-member-1");
    assertEquals(0, put.exitCode(), put.output());
    assertTrue(put.output().contains("OK"), put.output());

    Tools.Run get =
        etcdctl(
            "apiserver-etcd-client",
            cluster.member(2).clientUrl(),
            "get",
            "/signet/test",
            "--print-value-only");
    assertEquals(0, get.exitCode(), get.output());
    assertEquals("written-through-member-1", get.output().strip(), "replicated to member 3");
  }

  @Test
  void theHealthcheckClientSeesThreeHealthyMembers() throws Exception {
    Tools.Run health =
        etcdctl("etcd/healthcheck-client", cluster.endpoints(), "endpoint", "health");
    assertEquals(0, health.exitCode(), health.output());
    assertEquals(
        3, health.output().lines().filter(l -> l.contains("is healthy")).count(), health.output());

    Tools.Run list =
        etcdctl("etcd/healthcheck-client", cluster.member(1).clientUrl(), "member", "list");
    assertEquals(0, list.exitCode(), list.output());
    for (String name : List.of("etcd-1", "etcd-2", "etcd-3")) {
      assertTrue(list.output().contains(", " + name + ", "), list.output());
    }
  }

  @Test
  void aClientCertificateOfTheKubernetesCaIsRefused() throws Exception {
    Path log = cluster.member(0).log();
    long before = Files.size(log);

    Tools.Run refused =
        etcdctl("apiserver-kubelet-client", cluster.member(0).clientUrl(), "get", "/signet/test");

    assertNotEquals(0, refused.exitCode(), refused.output());
    // etcdctl only sees its retries time out; the member says why it closed the connection.
    String logged = Files.readString(log).substring((int) before);
    assertTrue(
        logged.contains("rejected connection")
            && logged.contains("certificate signed by unknown authority"),
        "etcd-1 refused the kubernetes-CA client certificate at TLS:\n" + logged);
  }

  /**
   * etcdctl with the etcd CA and the client credential {@code pki/NAME.{crt,key}} of member 1's
   * node.
   */
  private static Tools.Run etcdctl(String credential, String endpoints, String... args)
      throws Exception {
    Path pki = controlPlane.resolve("pki");
    return EtcdCluster.etcdctl(
        pki.resolve("etcd/ca.crt"),
        pki.resolve(credential + ".crt"),
        pki.resolve(credential + ".key"),
        endpoints,
        args);
  }

  private static void assertSucceeds(Cli.Result result) {
    assertEquals(0, result.exitCode(), result.toString());
  }
}
