package dev.signet.client.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.files.Certificates;
import dev.signet.client.files.Kubeconfig;
import dev.signet.client.files.SafeFiles;
import dev.signet.client.testing.CertificateNames;
import dev.signet.client.testing.Cli;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** {@code signet renew} and {@code signet check-expiration} on what signet wrote. */
class RenewAndCheckIT {
  static TestDaemon daemon;
  @TempDir Path temp;

  @BeforeAll
  static void startDaemon() throws Exception {
    daemon = TestDaemon.start("cli-renew", new DaemonConfig());
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  private Path controlPlane(String name) {
    Path out = temp.resolve(name);
    Cli.Result result =
        Cli.as(
            daemon,
            "control-plane",
            "--node",
            "cp-renew",
            "--advertise-address",
            "127.0.0.1",
            "--apiserver-extra-san",
            "api.renew.test",
            "--out",
            out.toString());
    assertEquals(0, result.exitCode(), result.toString());
    return out;
  }

  @Test
  void renewMakesNewKeysForTheSameSubjectAndNamesAndKeepsTheOldPair() throws Exception {
    Path out = controlPlane("renew");
    byte[] oldKey = Files.readAllBytes(out.resolve("pki/apiserver.key"));
    byte[] oldCertificate = Files.readAllBytes(out.resolve("pki/apiserver.crt"));
    X509Certificate old = Certificates.read(oldCertificate).get(0);
    byte[] oldAdmin = Files.readAllBytes(out.resolve("admin.conf"));
    int issued = daemon.ledger().count("state = 'ISSUED'");

    Cli.Result result = Cli.as(daemon, "renew", "apiserver", "admin.conf", "--dir", out.toString());

    assertEquals(0, result.exitCode(), result.toString());
    assertTrue(result.out().contains("2 certificates issued"), result.out());
    assertEquals(issued + 2, daemon.ledger().count("state = 'ISSUED'"));
    X509Certificate renewed = Certificates.read(out.resolve("pki/apiserver.crt")).get(0);
    assertNotEquals(old.getSerialNumber(), renewed.getSerialNumber());
    assertNotEquals(old.getPublicKey(), renewed.getPublicKey(), "a new key pair");
    assertEquals(old.getSubjectX500Principal(), renewed.getSubjectX500Principal());
    assertEquals(CertificateNames.sans(old), CertificateNames.sans(renewed));
    assertTrue(CertificateNames.sans(renewed).contains("api.renew.test"), "the recorded extra SAN");
    assertTrue(
        Certificates.pairMatches(
            out.resolve("pki/apiserver.crt"), out.resolve("pki/apiserver.key")));
    assertArrayEquals(
        oldKey, Files.readAllBytes(out.resolve("pki/apiserver.key.bak")), "previous key kept");
    assertArrayEquals(
        oldCertificate,
        Files.readAllBytes(out.resolve("pki/apiserver.crt.bak")),
        "previous certificate kept");
    assertArrayEquals(
        oldAdmin, Files.readAllBytes(out.resolve("admin.conf.bak")), "previous admin.conf kept");
    Kubeconfig.Embedded admin =
        (Kubeconfig.Embedded) Kubeconfig.read(out.resolve("admin.conf")).credential();
    assertEquals(
        "kubernetes-admin",
        Certificates.commonName(Certificates.read(admin.certificatePem()).get(0)));
    assertFalse(
        Files.exists(out.resolve("pki/etcd/server.crt.bak")), "what was not named is untouched");
  }

  @Test
  void renewIfExpiringWithinSkipsFreshCertificatesAndRenewsDueOnes() throws Exception {
    Path out = controlPlane("due");
    int issued = daemon.ledger().count("state = 'ISSUED'");

    Cli.Result fresh =
        Cli.as(daemon, "renew", "all", "--dir", out.toString(), "--if-expiring-within", "720h");

    assertEquals(0, fresh.exitCode(), fresh.toString());
    assertTrue(fresh.out().contains("0 certificates issued, 12 kept"), fresh.out());
    assertEquals(12, fresh.out().lines().filter(l -> l.contains("not due")).count(), fresh.out());
    assertEquals(issued, daemon.ledger().count("state = 'ISSUED'"));

    Files.delete(out.resolve("pki/etcd/peer.crt"));
    Cli.Result missing =
        Cli.as(daemon, "renew", "all", "--dir", out.toString(), "--if-expiring-within", "720h");
    assertTrue(missing.out().contains("1 certificate issued, 11 kept"), missing.out());

    Cli.Result due =
        Cli.as(daemon, "renew", "all", "--dir", out.toString(), "--if-expiring-within", "400d");
    assertEquals(0, due.exitCode(), due.toString());
    assertTrue(due.out().contains("12 certificates issued, 0 kept"), due.out());
  }

  @Test
  void aRenewKilledAtAnyMomentNeverLeavesACertificateWithTheWrongKey() throws Exception {
    Path out = controlPlane("killed");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.signet.client.cli.Signet",
            "renew",
            "all",
            "--dir",
            out.toString()));
    command.addAll(Cli.connection(daemon));
    int killedWhileRunning = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
      Process renew =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(Redirect.DISCARD)
              .start();
      Thread.sleep(800 + attempt * 350L);
      if (renew.isAlive()) {
        killedWhileRunning++;
      }
      renew.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block
      renew.waitFor(10, TimeUnit.SECONDS);
      assertEveryPairMatchesOrIsRepairable(out);
    }
    assertTrue(killedWhileRunning >= 4, "most kills landed while renewing: " + killedWhileRunning);

    Cli.Result finish = Cli.as(daemon, "renew", "all", "--dir", out.toString());

    assertEquals(0, finish.exitCode(), finish.toString());
    assertEveryPairMatchesOrIsRepairable(out);
    try (Stream<Path> files = Files.walk(out)) {
      List<String> leftovers =
          files.map(Path::toString).filter(f -> f.endsWith(".new") || f.contains(".tmp-")).toList();
      assertEquals(List.of(), leftovers, "nothing staged or temporary left after a complete run");
    }
    for (String base : List.of("pki/apiserver", "pki/etcd/server", "pki/front-proxy-client")) {
      assertTrue(
          Certificates.pairMatches(out.resolve(base + ".crt"), out.resolve(base + ".key")), base);
    }
  }

  /**
   * Right after a kill: each certificate matches its key, or (killed between the two renames) the
   * staged new certificate matches the new key, which the next run completes. Kubeconfigs are
   * single files and always whole.
   */
  private static void assertEveryPairMatchesOrIsRepairable(Path out) throws Exception {
    for (String base :
        List.of(
            "pki/apiserver",
            "pki/apiserver-kubelet-client",
            "pki/front-proxy-client",
            "pki/apiserver-etcd-client",
            "pki/etcd/server",
            "pki/etcd/peer",
            "pki/etcd/healthcheck-client")) {
      Path certificate = out.resolve(base + ".crt");
      Path key = out.resolve(base + ".key");
      assertTrue(
          Certificates.pairMatches(certificate, key)
              || Certificates.pairMatches(SafeFiles.staged(certificate), key),
          base + " is consistent or repairable");
    }
    for (String kubeconfig :
        List.of(
            "admin.conf",
            "super-admin.conf",
            "controller-manager.conf",
            "scheduler.conf",
            "kubelet.conf")) {
      Kubeconfig.Embedded embedded =
          (Kubeconfig.Embedded) Kubeconfig.read(out.resolve(kubeconfig)).credential();
      assertTrue(
          Certificates.matches(
              Certificates.read(embedded.certificatePem()).get(0),
              Certificates.readKey(embedded.keyPem())),
          kubeconfig);
    }
  }

  @Test
  void renewRefusesUnknownNamesAndDirectoriesWithoutAManifest() throws Exception {
    Path out = controlPlane("names");

    Cli.Result unknown = Cli.as(daemon, "renew", "apiserver", "etcd-ca", "--dir", out.toString());
    assertEquals(2, unknown.exitCode(), unknown.toString());
    assertTrue(
        unknown.err().contains("no certificate 'etcd-ca'")
            && unknown.err().contains("known: all, apiserver"),
        unknown.err());

    Cli.Result empty = Cli.as(daemon, "renew", "all", "--dir", temp.resolve("nothing").toString());
    assertEquals(2, empty.exitCode(), empty.toString());
    assertTrue(
        empty.err().contains("signet renews and recovers only what it wrote there"), empty.err());
  }

  @Test
  void checkExpirationPrintsTheTableWithMissingRowsAndKubeconfigsWithoutADaemon() throws Exception {
    Path out = controlPlane("check");
    Files.delete(out.resolve("pki/apiserver.crt"));
    Files.delete(out.resolve("scheduler.conf"));

    // no connection options at all: the files are enough
    Cli.Result table = Cli.run("check-expiration", "--dir", out.toString());

    assertEquals(0, table.exitCode(), table.toString());
    List<String> lines = table.out().lines().toList();
    assertTrue(
        lines.get(0).matches("CERTIFICATE\\s+EXPIRES\\s+RESIDUAL TIME\\s+CERTIFICATE AUTHORITY"),
        lines.get(0));
    assertTrue(lines.contains("!MISSING! apiserver"), table.out());
    assertTrue(lines.contains("!MISSING! scheduler.conf"), table.out());
    for (String name :
        List.of("admin.conf", "kubelet.conf", "super-admin.conf", "controller-manager.conf")) {
      assertTrue(
          lines.stream()
              .anyMatch(
                  l ->
                      l.matches(
                          java.util.regex.Pattern.quote(name)
                              + "\\s+[A-Z][a-z]{2} \\d{2}, \\d{4} \\d{2}:\\d{2} UTC\\s+36[45]d\\s+ca")),
          name + " in\n" + table.out());
    }
    assertTrue(
        lines.stream().anyMatch(l -> l.matches("etcd-server\\s+.*UTC\\s+36[45]d\\s+etcd-ca")),
        table.out());
    assertTrue(
        lines.stream().anyMatch(l -> l.matches("front-proxy-client\\s+.*\\s+front-proxy-ca")),
        table.out());
    int caHeader =
        lines.indexOf(
            lines.stream()
                .filter(l -> l.startsWith("CERTIFICATE AUTHORITY"))
                .findFirst()
                .orElseThrow());
    assertEquals(
        List.of("ca", "etcd-ca", "front-proxy-ca"),
        lines.subList(caHeader + 1, caHeader + 4).stream()
            .map(l -> l.split("\\s+", -1)[0])
            .toList());
    assertTrue(
        lines.get(caHeader + 1).matches("ca\\s+.*UTC\\s+9y\\s+in signetd's token"),
        lines.get(caHeader + 1));

    Cli.Result json = Cli.run("check-expiration", "--dir", out.toString(), "-o", "json");

    assertEquals(0, json.exitCode(), json.toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> document =
        (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(json.out());
    assertEquals("CertificateExpirationInfo", document.get("kind"));
    assertEquals("output.kubeadm.k8s.io/v1alpha3", document.get("apiVersion"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> certificates =
        (List<Map<String, Object>>) document.get("certificates");
    assertEquals(12, certificates.size());
    Map<String, Object> apiserver =
        certificates.stream()
            .filter(c -> c.get("name").equals("apiserver"))
            .findFirst()
            .orElseThrow();
    assertEquals(true, apiserver.get("missing"));
    Map<String, Object> kubelet =
        certificates.stream()
            .filter(c -> c.get("name").equals("kubelet.conf"))
            .findFirst()
            .orElseThrow();
    assertEquals(false, kubelet.get("missing"));
    assertEquals("ca", kubelet.get("caName"));
    X509Certificate kubeletCertificate =
        Certificates.read(
                ((Kubeconfig.Embedded) Kubeconfig.read(out.resolve("kubelet.conf")).credential())
                    .certificatePem())
            .get(0);
    assertEquals(
        kubeletCertificate.getNotAfter().toInstant().toString(), kubelet.get("expirationDate"));
    long residual = ((Number) kubelet.get("residualTimeSeconds")).longValue();
    assertTrue(residual > 364L * 86400 && residual <= 365L * 86400, "residual " + residual);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> authorities =
        (List<Map<String, Object>>) document.get("certificateAuthorities");
    assertEquals(
        List.of("ca", "etcd-ca", "front-proxy-ca"),
        authorities.stream().map(a -> a.get("name")).toList());
    assertEquals(true, authorities.get(0).get("externallyManaged"));
  }
}
