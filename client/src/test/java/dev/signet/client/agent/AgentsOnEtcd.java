package dev.signet.client.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.api.v1.Role;
import dev.signet.client.testing.AgentProcess;
import dev.signet.client.testing.Cli;
import dev.signet.client.testing.EtcdCluster;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Three etcd members as three control-plane nodes would hold them: each directory written by {@code
 * signet etcd-member} with that node's own provisioner credential, a real cluster running on the
 * files, and a {@code signet agent} per directory, in its own process, whose hooks restart its
 * member when its server or peer certificate or its CA file changes. Certificates and the
 * provisioner credentials live as long as the test asks, from a NotBefore 20 s back, and fall due
 * at two thirds of that: a one-minute certificate about 33 s after it is issued, a two-minute one
 * about 73 s after, a three-minute credential about 113 s after.
 */
final class AgentsOnEtcd implements AutoCloseable {
  final TestDaemon daemon;
  final List<Path> dirs;
  final List<Path> credentials;
  final EtcdCluster cluster;
  final List<AgentProcess> agents = new ArrayList<>();

  private AgentsOnEtcd(
      TestDaemon daemon, List<Path> dirs, List<Path> credentials, EtcdCluster cluster) {
    this.daemon = daemon;
    this.dirs = dirs;
    this.credentials = credentials;
    this.cluster = cluster;
  }

  /**
   * {@code validity} is the certificates' lifetime, {@code credentialValidity} the provisioner
   * credentials' (as in the daemon's configuration: "1m", "2m", ...).
   */
  static AgentsOnEtcd start(String label, Path temp, String validity, String credentialValidity)
      throws Exception {
    // each member's provisioner may have its etcd certificates, by name (they are high-value)
    String grants =
        """
        authorization:
          provisioners:
            provisioner-etcd-1: &etcd
              profiles: [etcd-server, etcd-peer, etcd-healthcheck-client]
              nodeNames: ["etcd-?"]
              addresses: ["127.0.0.1/32"]
              dnsSuffixes: ["etcd-1", "etcd-2", "etcd-3"]
            provisioner-etcd-2: *etcd
            provisioner-etcd-3: *etcd""";
    TestDaemon daemon =
        TestDaemon.start(
            label,
            new DaemonConfig().validity(validity).backdate("20s").extra(grants),
            new DaemonConfig()
                .validity(validity)
                .backdate("20s")
                .apiCredentialValidity(credentialValidity)
                .extra(grants));
    List<Path> dirs = new ArrayList<>();
    List<Path> credentials = new ArrayList<>();
    List<Path> pki = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Path credential = daemon.credential(Role.ROLE_PROVISIONER, "provisioner-etcd-" + i);
      Path dir = temp.resolve("etcd-" + i);
      Cli.Result member =
          Cli.run(
              "etcd-member",
              "--node",
              "etcd-" + i,
              "--address",
              "127.0.0.1",
              "--out",
              dir.toString(),
              "--config",
              Cli.clientConfig(daemon, credential, config(temp, i)).toString());
      assertEquals(0, member.exitCode(), member.toString());
      dirs.add(dir);
      credentials.add(credential);
      pki.add(dir.resolve("pki/etcd"));
    }
    AgentsOnEtcd nodes =
        new AgentsOnEtcd(
            daemon, dirs, credentials, EtcdCluster.start(temp.resolve("cluster"), pki));
    for (int i = 1; i <= 3; i++) {
      String restart = nodes.cluster.member(i - 1).restartCommand();
      Path config =
          Cli.clientConfig(
              daemon,
              credentials.get(i - 1),
              config(temp, i),
              "agent:",
              "  checkInterval: 3s",
              "  hookTimeout: 60s",
              "  backoff: {initial: 2s, max: 10s}",
              "  hooks:",
              "    pki/etcd/server.crt: " + restart,
              "    pki/etcd/peer.crt: " + restart,
              "    pki/etcd/ca.crt: " + restart);
      nodes.agents.add(
          AgentProcess.start(
              temp.resolve("agent-etcd-" + i + ".log"),
              "--dir",
              dirs.get(i - 1).toString(),
              "--config",
              config.toString()));
    }
    return nodes;
  }

  private static Path config(Path temp, int member) {
    return temp.resolve("signet-etcd-" + member + ".yaml");
  }

  /** The member's pki/etcd/NAME. */
  Path pki(int member, String name) {
    return dirs.get(member).resolve("pki/etcd").resolve(name);
  }

  /** Every agent's log tail, for failure messages. */
  String agentLogs() throws Exception {
    StringBuilder logs = new StringBuilder();
    for (int i = 0; i < agents.size(); i++) {
      logs.append("\n--- agent of etcd-").append(i + 1).append(":\n").append(agents.get(i).tail());
    }
    return logs.toString();
  }

  @Override
  public void close() throws Exception {
    for (AgentProcess agent : agents) {
      agent.close();
    }
    cluster.close();
    daemon.close();
  }
}
