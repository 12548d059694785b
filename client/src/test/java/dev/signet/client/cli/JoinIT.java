package dev.signet.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.files.Certificates;
import dev.signet.client.testing.Cli;
import dev.signet.client.testing.Tools;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new node joins with {@code signet token create} (operator) and {@code signet join} (node): the
 * credential and kubelet files it writes, what the node credential may and may not do, the single
 * use of a token, a resumed join after a lost answer, and the refusal of a token given on the
 * command line. openssl judges the certificates.
 */
class JoinIT {
  static TestDaemon daemon;
  @TempDir Path temp;

  @BeforeAll
  static void startDaemon() throws Exception {
    daemon = TestDaemon.start("cli-join", new DaemonConfig());
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void aNodeJoinsWithATokenAndItsCredentialIssuesOnlyItsOwnCertificates() throws Exception {
    Path token = createToken("worker-1", "127.0.0.1");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
    Path credential = temp.resolve("etc-signet");
    Path out = temp.resolve("etc-kubernetes");

    Cli.Result joined = join("worker-1", token, credential, out);

    assertEquals(0, joined.exitCode(), joined.toString());
    X509Certificate node = Certificates.read(credential.resolve("node.crt")).get(0);
    assertEquals("system:node:worker-1", Certificates.commonName(node));
    assertTrue(
        node.getSubjectX500Principal().getName().contains("O=signet:node"),
        node.getSubjectX500Principal().getName());
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(credential.resolve("node.key"))));
    assertFalse(
        Files.exists(credential.resolve("join-request.key")),
        "the saved request is gone once the credential is stored");
    assertTrue(
        Files.readString(credential.resolve("signet.yaml"))
            .contains("server: \"127.0.0.1:" + daemon.port() + "\""));
    assertVerifies(credential.resolve("ca.crt"), credential.resolve("node.crt"));
    assertTrue(Files.exists(out.resolve("kubelet.conf")), joined.toString());
    assertVerifies(out.resolve("pki/ca.crt"), out.resolve("pki/kubelet-serving.crt"));
    Tools.Run serving =
        openssl(
            "x509",
            "-noout",
            "-ext",
            "subjectAltName",
            "-in",
            out.resolve("pki/kubelet-serving.crt").toString());
    assertTrue(serving.output().contains("IP Address:127.0.0.1"), serving.output());

    // The node's credential, through the signet.yaml join wrote: its own kubelet, yes; anything
    // else, no.
    String config = credential.resolve("signet.yaml").toString();
    Cli.Result ownKubelet =
        Cli.run(
            "kubelet",
            "--node",
            "worker-1",
            "--address",
            "127.0.0.1",
            "--control-plane-endpoint",
            "127.0.0.1:6443",
            "--out",
            out.toString(),
            "--force",
            "--config",
            config);
    assertEquals(0, ownKubelet.exitCode(), ownKubelet.toString());
    Cli.Result admin =
        Cli.run(
            "admin",
            "--control-plane-endpoint",
            "127.0.0.1:6443",
            "--out",
            temp.resolve("admin.conf").toString(),
            "--config",
            config);
    assertEquals(6, admin.exitCode(), admin.toString());
    assertFalse(Files.exists(temp.resolve("admin.conf")));
    Cli.Result otherNode =
        Cli.run(
            "kubelet",
            "--node",
            "worker-2",
            "--address",
            "127.0.0.1",
            "--control-plane-endpoint",
            "127.0.0.1:6443",
            "--out",
            temp.resolve("other").toString(),
            "--config",
            config);
    assertEquals(6, otherNode.exitCode(), otherNode.toString());

    // Again, with the spent token: the valid credential is kept and the token is not presented.
    int issued = daemon.ledger().count("state = 'ISSUED'");
    Cli.Result again = join("worker-1", token, credential, out);
    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.out().contains("kept (the bootstrap token was not used)"), again.toString());
    assertEquals(issued, daemon.ledger().count("state = 'ISSUED'"), "a re-run issues nothing");
  }

  @Test
  void aSpentTokenAdmitsNoSecondNodeAndNothingIsWritten() throws Exception {
    Path token = createToken("worker-3", "127.0.0.1");
    assertEquals(
        0, join("worker-3", token, temp.resolve("first"), temp.resolve("first-out")).exitCode());

    Path credential = temp.resolve("second");
    Cli.Result second = join("worker-3", token, credential, temp.resolve("second-out"));

    assertEquals(6, second.exitCode(), second.toString());
    assertTrue(second.err().contains("signet token create"), second.toString());
    assertFalse(Files.exists(credential.resolve("node.crt")));
    assertFalse(Files.exists(temp.resolve("second-out")));
  }

  @Test
  void anAddressTheTokenDoesNotAdmitIsRefusedAndTheTokenStaysUsable() throws Exception {
    Path token = createToken("worker-4", "127.0.0.1");
    Path credential = temp.resolve("cred");

    Cli.Result refused =
        join("worker-4", token, credential, temp.resolve("out"), "--address", "10.9.9.9");
    assertEquals(6, refused.exitCode(), refused.toString());
    assertTrue(refused.err().contains("10.9.9.9"), refused.toString());

    Cli.Result joined = join("worker-4", token, credential, temp.resolve("out"));
    assertEquals(0, joined.exitCode(), joined.toString());
  }

  @Test
  void aJoinWhoseAnswerWasLostIsResumedWithTheSavedRequestAndGetsTheSameCredential()
      throws Exception {
    Path token = createToken("worker-5", "127.0.0.1");
    Path credential = temp.resolve("cred");
    // signetd unreachable: the request is saved before anything is sent, and the token is not
    // spent.
    Cli.Result unreachable =
        join(
            "worker-5",
            token,
            credential,
            temp.resolve("out"),
            "--enrollment-server",
            "127.0.0.1:" + Tools.freePorts(1)[0]);
    assertEquals(4, unreachable.exitCode(), unreachable.toString());
    Path saved = temp.resolve("saved");
    Files.createDirectories(saved);
    for (String file : List.of("join-request.key", "join-request.csr")) {
      Files.copy(credential.resolve(file), saved.resolve(file));
    }
    Cli.Result joined = join("worker-5", token, credential, temp.resolve("out"));
    assertEquals(0, joined.exitCode(), joined.toString());
    X509Certificate first = Certificates.read(credential.resolve("node.crt")).get(0);

    // As if the answer had been lost: no credential, only the saved request. The spent token
    // answers the same request again, with the same certificate and no new signature.
    try (Stream<Path> files = Files.list(credential)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    for (String file : List.of("join-request.key", "join-request.csr")) {
      Files.copy(
          saved.resolve(file), credential.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    int issued = daemon.ledger().count("state = 'ISSUED'");
    Cli.Result resumed = join("worker-5", token, credential, temp.resolve("out"));

    assertEquals(0, resumed.exitCode(), resumed.toString());
    assertTrue(resumed.out().contains("resuming an interrupted join"), resumed.toString());
    assertEquals(first, Certificates.read(credential.resolve("node.crt")).get(0));
    assertTrue(
        Certificates.pairMatches(credential.resolve("node.crt"), credential.resolve("node.key")));
    assertEquals(
        issued,
        daemon.ledger().count("state = 'ISSUED'"),
        "nothing new signed for the credential or the kept kubelet files");
  }

  @Test
  void aTokenOnTheCommandLineIsRefusedWithoutEchoingIt() throws Exception {
    String literal = "abcdef.0123456789abcdefghij";
    Path credential = temp.resolve("cred");

    Cli.Result refused =
        Cli.run(
            "join",
            "--token",
            literal,
            "--server",
            "127.0.0.1:" + daemon.port(),
            "--ca-bundle",
            daemon.operatorDirectory().resolve("ca.crt").toString(),
            "--node",
            "worker-6",
            "--address",
            "127.0.0.1",
            "--control-plane-endpoint",
            "127.0.0.1:6443",
            "--credential-dir",
            credential.toString(),
            "--out",
            temp.resolve("out").toString());

    assertEquals(2, refused.exitCode(), refused.toString());
    assertTrue(refused.err().contains("file:PATH or env:VARIABLE"), refused.toString());
    assertFalse(
        refused.out().contains(literal) || refused.err().contains(literal), refused.toString());
    assertFalse(Files.exists(credential));
  }

  @Test
  void tokenCreateWithoutOutPrintsOnlyTheTokenOnStandardOutput() {
    Cli.Result created =
        Cli.as(
            daemon,
            "token",
            "create",
            "--node",
            "worker-7",
            "--address",
            "127.0.0.1",
            "--ttl",
            "10m");

    assertEquals(0, created.exitCode(), created.toString());
    assertTrue(created.out().strip().matches("[a-z2-7]+\\.[a-z2-7]+"), created.toString());
    assertTrue(
        created.err().contains("for node worker-7 [127.0.0.1], usable once until"),
        created.toString());
  }

  @Test
  void tokenCreateRefusesATimeToLiveAboveTheMaximum() {
    Cli.Result refused =
        Cli.as(
            daemon,
            "token",
            "create",
            "--node",
            "worker-8",
            "--address",
            "127.0.0.1",
            "--ttl",
            "48h");

    assertEquals(5, refused.exitCode(), refused.toString());
    assertTrue(refused.err().contains("24h") || refused.err().contains("24 h"), refused.toString());
  }

  private Path createToken(String node, String address) throws Exception {
    Path file = temp.resolve(node + ".token");
    Cli.Result created =
        Cli.as(
            daemon,
            "token",
            "create",
            "--node",
            node,
            "--address",
            address,
            "--out",
            file.toString());
    assertEquals(0, created.exitCode(), created.toString());
    return file;
  }

  private static Cli.Result join(
      String node, Path token, Path credential, Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "join",
                "--token",
                "file:" + token,
                "--server",
                "127.0.0.1:" + daemon.port(),
                "--ca-bundle",
                daemon.operatorDirectory().resolve("ca.crt").toString(),
                "--node",
                node,
                "--control-plane-endpoint",
                "127.0.0.1:6443",
                "--credential-dir",
                credential.toString(),
                "--out",
                out.toString()));
    if (!List.of(more).contains("--address")) {
      args.addAll(List.of("--address", "127.0.0.1"));
    }
    if (!List.of(more).contains("--enrollment-server")) {
      args.addAll(List.of("--enrollment-server", "127.0.0.1:" + daemon.enrollmentPort()));
    }
    args.addAll(List.of(more));
    return Cli.run(args.toArray(new String[0]));
  }

  private static void assertVerifies(Path ca, Path certificate) throws Exception {
    Tools.Run verify = openssl("verify", "-CAfile", ca.toString(), certificate.toString());
    assertEquals(0, verify.exitCode(), verify.output());
  }

  private static Tools.Run openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    return Tools.run(command);
  }
}
