package dev.signet.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.testing.Cli;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every failure a user meets says what happened and what to do, with its documented exit code, no
 * stack trace, and nothing issued when the request could not be completed.
 */
class ErrorsIT {
  static TestDaemon daemon;
  @TempDir Path temp;

  @BeforeAll
  static void startDaemon() throws Exception {
    daemon = TestDaemon.start("cli-errors", new DaemonConfig());
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  private Cli.Result etcdMember(Path out, List<String> connection, String node) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "etcd-member", "--node", node, "--address", "127.0.0.1", "--out", out.toString()));
    args.addAll(connection);
    return Cli.run(args.toArray(new String[0]));
  }

  private static void assertFailure(Cli.Result result, int exitCode, String... phrases) {
    assertEquals(exitCode, result.exitCode(), result.toString());
    for (String phrase : phrases) {
      assertTrue(result.err().contains(phrase), "'" + phrase + "' in " + result);
    }
    assertTrue(result.err().startsWith("signet: "), result.err());
    assertFalse(result.err().contains("\tat "), "no stack trace: " + result.err());
    assertFalse(result.err().contains("Exception"), "no exception names: " + result.err());
  }

  /** Issue 10: a link pki/etcd/server.crt -> a secret must not be read and copied to a .bak. */
  @Test
  void aSymbolicLinkPlantedInTheOutputIsRefusedBeforeAnythingIsIssued() throws Exception {
    Path secret = Files.writeString(temp.resolve("shadow"), "root:$6$hash:19000:0:99999:7:::\n");
    Path out = temp.resolve("planted");
    Files.createDirectories(out.resolve("pki/etcd"));
    Files.createSymbolicLink(out.resolve("pki/etcd/server.crt"), secret);
    int issued = daemon.ledger().count("state = 'ISSUED'");

    Cli.Result result = etcdMember(out, Cli.connection(daemon), "etcd-planted");

    assertFailure(result, 8, "pki/etcd/server.crt is a symbolic link", "remove it");
    assertFalse(Files.exists(out.resolve("pki/etcd/server.crt.bak")), "no copy of the secret");
    assertEquals(issued, daemon.ledger().count("state = 'ISSUED'"), "nothing issued");
  }

  @Test
  void anUnreachableDaemonIsExitCode4() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Cli.Result result =
        etcdMember(
            temp.resolve("out"), Cli.connection(daemon, "127.0.0.1:" + closedPort), "etcd-1");

    assertFailure(
        result, 4, "cannot reach signetd at 127.0.0.1:" + closedPort, "Is signetd running");
  }

  @Test
  void aCaBundleThatDoesNotTrustTheDaemonIsATlsFailure() throws Exception {
    Path out = temp.resolve("tls");
    assertEquals(0, etcdMember(out, Cli.connection(daemon), "etcd-tls").exitCode());
    List<String> connection = new ArrayList<>(Cli.connection(daemon));
    // the etcd CA is a real CA, but not the one that signed signetd's serving certificate
    connection.addAll(List.of("--ca-bundle", out.resolve("pki/etcd/ca.crt").toString()));

    Cli.Result result = etcdMember(temp.resolve("other"), connection, "etcd-tls");

    assertFailure(
        result,
        4,
        "TLS handshake with signetd",
        "signetd's certificate is not signed by the CA in --ca-bundle",
        "operator/ca.crt");
  }

  @Test
  void aClusterCredentialIsRefusedByTheDaemon() throws Exception {
    Path out = temp.resolve("cluster-credential");
    assertEquals(0, etcdMember(out, Cli.connection(daemon), "etcd-c").exitCode());
    List<String> connection = new ArrayList<>(Cli.connection(daemon));
    // a clientAuth certificate of the etcd CA: not a Signet API credential
    connection.addAll(
        List.of(
            "--cert",
            out.resolve("pki/etcd/healthcheck-client.crt").toString(),
            "--key",
            out.resolve("pki/etcd/healthcheck-client.key").toString()));

    Cli.Result result = etcdMember(temp.resolve("again"), connection, "etcd-c");

    assertFailure(
        result,
        4,
        "TLS handshake with signetd",
        "signetd refused this caller's credential",
        "cluster credentials");
  }

  @Test
  void anInvalidNodeNameShowsTheDaemonsReasonAndIssuesNothing() throws Exception {
    int issued = daemon.ledger().count("state = 'ISSUED'");

    Cli.Result result = etcdMember(temp.resolve("invalid"), Cli.connection(daemon), "Not_A_Node!");

    assertFailure(result, 5, "signetd refused etcd-server", "node_name", "Nothing was issued");
    assertEquals(issued, daemon.ledger().count("state = 'ISSUED'"));
  }

  @Test
  void anUnwritableOutputFailsBeforeAnythingIsIssued() throws Exception {
    Path file = Files.writeString(temp.resolve("a-file"), "not a directory");
    int issued = daemon.ledger().count("state = 'ISSUED'");

    Cli.Result result = etcdMember(file.resolve("out"), Cli.connection(daemon), "etcd-w");

    assertFailure(result, 8, "cannot write " + file.resolve("out"), "Choose another --out");
    assertEquals(issued, daemon.ledger().count("state = 'ISSUED'"), "nothing issued");
  }

  @Test
  void unreadableCredentialFilesAreExitCode3() throws Exception {
    List<String> missingKey = new ArrayList<>(Cli.connection(daemon));
    missingKey.addAll(List.of("--key", temp.resolve("nowhere.key").toString()));
    assertFailure(
        etcdMember(temp.resolve("a"), missingKey, "etcd-k"),
        3,
        "cannot read --key",
        "no such file");

    Path garbage =
        Files.writeString(
            temp.resolve("garbage.key"),
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    List<String> garbageKey = new ArrayList<>(Cli.connection(daemon));
    garbageKey.addAll(List.of("--key", garbage.toString()));
    Cli.Result result = etcdMember(temp.resolve("b"), garbageKey, "etcd-k");
    assertFailure(result, 3, "cannot read --key " + garbage);

    Cli.Result noConfig =
        Cli.run("check-expiration", "--dir", temp.resolve("missing-dir").toString());
    assertFailure(noConfig, 2, "is not a directory");

    Path badConfig =
        Files.writeString(temp.resolve("signet.yaml"), "server: 127.0.0.1:1\ncertficate: x.crt\n");
    Cli.Result typo =
        Cli.run(
            "admin",
            "--control-plane-endpoint",
            "127.0.0.1",
            "--out",
            temp.resolve("c/admin.conf").toString(),
            "--config",
            badConfig.toString());
    assertFailure(typo, 3, "unknown key 'certficate'");
  }

  @Test
  void usageErrorsAreExitCode2() {
    Cli.Result result =
        Cli.run("control-plane", "--advertise-address", "127.0.0.1", "--out", temp.toString());
    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(result.err().contains("Missing required option: '--node=NAME'"), result.err());

    Cli.Result algorithm =
        Cli.run("admin", "--key-algorithm", "dsa", "--control-plane-endpoint", "x", "--out", "y");
    assertEquals(2, algorithm.exitCode(), algorithm.toString());
    assertTrue(algorithm.err().contains("unknown key algorithm 'dsa'"), algorithm.err());
  }
}
