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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revocation judged by a real etcd member (Debian's etcd-server) started with {@code
 * --client-crl-file} on the file {@code signet crl fetch} writes: once a client certificate is
 * revoked ({@code signet revoke}) and the CRL fetched again, etcd refuses it at the handshake and
 * keeps accepting an unrevoked one. etcd rereads the file on each connection, so no restart is
 * needed.
 */
class EtcdCrlIT {
  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(30);

  @TempDir static Path temp;
  static TestDaemon daemon;
  static Process member;
  static String clientUrl;
  static Path pki;
  static Path crl;

  @BeforeAll
  static void startMember() throws Exception {
    daemon = TestDaemon.start("etcd-crl", new DaemonConfig());
    Path controlPlane = temp.resolve("cp");
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
    pki = controlPlane.resolve("pki");
    crl = pki.resolve("etcd/crl.pem");
    assertSucceeds(
        Cli.as(daemon, "crl", "fetch", "--trust-domain", "etcd", "--out", crl.toString()));

    int[] ports = Tools.freePorts(2);
    clientUrl = "https://127.0.0.1:" + ports[0];
    String peerUrl = "https://127.0.0.1:" + ports[1];
    Path etcd = pki.resolve("etcd");
    List<String> command =
        List.of(
            "/usr/bin/etcd",
            "--name",
            "etcd-1",
            "--data-dir",
            temp.resolve("data").toString(),
            "--listen-client-urls",
            clientUrl,
            "--advertise-client-urls",
            clientUrl,
            "--listen-peer-urls",
            peerUrl,
            "--initial-advertise-peer-urls",
            peerUrl,
            "--initial-cluster",
            "etcd-1=" + peerUrl,
            "--cert-file",
            etcd.resolve("server.crt").toString(),
            "--key-file",
            etcd.resolve("server.key").toString(),
            "--peer-cert-file",
            etcd.resolve("peer.crt").toString(),
            "--peer-key-file",
            etcd.resolve("peer.key").toString(),
            "--trusted-ca-file",
            etcd.resolve("ca.crt").toString(),
            "--peer-trusted-ca-file",
            etcd.resolve("ca.crt").toString(),
            "--client-cert-auth",
            "--peer-client-cert-auth",
            "--client-crl-file",
            crl.toString());
    member =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("etcd.log").toFile())
            .start();
    awaitHealthy();
  }

  @AfterAll
  static void stop() throws Exception {
    if (member != null) {
      member.destroyForcibly();
      member.waitFor(30, TimeUnit.SECONDS);
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  @Test
  void aRevokedClientCertificateIsRefusedAndAnUnrevokedOneAccepted() throws Exception {
    assertEquals(0, etcdctl("etcd/healthcheck-client", "put", "/signet/crl", "before").exitCode());
    Tools.Run emptyCrl = openssl("crl", "-in", crl.toString(), "-noout", "-text");
    assertTrue(emptyCrl.output().contains("No Revoked Certificates"), emptyCrl.output());

    Path revokedCertificate = pki.resolve("etcd/healthcheck-client.crt");
    String serial =
        openssl("x509", "-in", revokedCertificate.toString(), "-noout", "-serial")
            .output()
            .strip()
            .replace("serial=", "");
    Cli.Result revoked =
        Cli.as(daemon, "revoke", serial, "--reason", "key-compromise", "--wait-for-crl");
    assertSucceeds(revoked);
    assertTrue(revoked.out().contains("KEY_COMPROMISE"), revoked.toString());
    Cli.Result fetched =
        Cli.as(daemon, "crl", "fetch", "--trust-domain", "etcd", "--out", crl.toString());
    assertSucceeds(fetched);
    assertTrue(fetched.out().contains("of the etcd CA (generation 1)"), fetched.toString());

    // OpenSSL, with the CRL, agrees before etcd is asked.
    Tools.Run crlCheck =
        openssl(
            "verify",
            "-crl_check",
            "-CAfile",
            pki.resolve("etcd/ca.crt").toString(),
            "-CRLfile",
            crl.toString(),
            revokedCertificate.toString());
    assertNotEquals(0, crlCheck.exitCode(), crlCheck.output());
    assertTrue(crlCheck.output().contains("certificate revoked"), crlCheck.output());

    long logBefore = Files.size(temp.resolve("etcd.log"));
    Tools.Run refused = etcdctl("etcd/healthcheck-client", "get", "/signet/crl");
    assertNotEquals(0, refused.exitCode(), refused.output());
    String logged = Files.readString(temp.resolve("etcd.log")).substring((int) logBefore);
    assertTrue(
        logged.contains("rejected connection") && logged.contains("revoked"),
        "etcd says why it refused:\n" + logged);

    Tools.Run accepted =
        etcdctl("apiserver-etcd-client", "get", "/signet/crl", "--print-value-only");
    assertEquals(0, accepted.exitCode(), accepted.output());
    assertEquals("before", accepted.output().strip());
  }

  @Test
  void revokingAnUnknownSerialChangesNothingAndSaysSo() throws Exception {
    Cli.Result unknown = Cli.as(daemon, "revoke", "7f00000000000000000000000000dead");

    assertEquals(5, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().contains("found nothing"), unknown.toString());
  }

  private static Tools.Run etcdctl(String credential, String... args) throws Exception {
    return EtcdCluster.etcdctl(
        pki.resolve("etcd/ca.crt"),
        pki.resolve(credential + ".crt"),
        pki.resolve(credential + ".key"),
        clientUrl,
        args);
  }

  private static Tools.Run openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    return Tools.run(command);
  }

  private static void awaitHealthy() throws Exception {
    Instant deadline = Instant.now().plus(HEALTHY_WITHIN);
    Tools.Run last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!member.isAlive()) {
        throw new IllegalStateException(
            "etcd exited:\n" + Files.readString(temp.resolve("etcd.log")));
      }
      last = etcdctl("etcd/healthcheck-client", "endpoint", "health");
      if (last.exitCode() == 0) {
        return;
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException(
        "etcd not healthy within "
            + HEALTHY_WITHIN
            + ": "
            + (last == null ? "" : last.output())
            + Files.readString(temp.resolve("etcd.log")));
  }

  private static void assertSucceeds(Cli.Result result) {
    assertEquals(0, result.exitCode(), result.toString());
  }
}
