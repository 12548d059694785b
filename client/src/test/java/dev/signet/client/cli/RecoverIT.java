package dev.signet.client.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.files.Certificates;
import dev.signet.client.files.Credential;
import dev.signet.client.files.Kubeconfig;
import dev.signet.client.files.Manifest;
import dev.signet.client.testing.Cli;
import dev.signet.client.testing.Tools;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.TestToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * {@code signet recover} on a control-plane PKI that aged past expiry for real: {@code signetd
 * init}, {@code signetd serve} and {@code signet control-plane} run under Debian's faketime 400
 * days in the past, so that today the CAs (ten years) are valid while every leaf, the daemon's
 * serving credential and the operator's credential (one year each) expired five weeks ago. No clock
 * is injected anywhere: each process reads the time it is given, as in production.
 */
class RecoverIT {
  private static final List<String> FOUR_HUNDRED_DAYS_AGO = List.of("faketime", "-f", "-400d");
  private static final List<String> KUBECONFIGS =
      List.of(
          "admin.conf",
          "super-admin.conf",
          "controller-manager.conf",
          "scheduler.conf",
          "kubelet.conf");

  @TempDir Path temp;

  @Test
  void recoversAControlPlaneWhoseCertificatesHaveAllExpired() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "recover");
    Path config = new DaemonConfig().writeTo(token);
    Path operator = token.directory().resolve("operator");
    Path cp = temp.resolve("etc-kubernetes");

    DaemonProcess.init(token, config, FOUR_HUNDRED_DAYS_AGO);
    try (DaemonProcess past = DaemonProcess.serve(token, config, FOUR_HUNDRED_DAYS_AGO)) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "control-plane",
                  "--node",
                  "cp-1",
                  "--advertise-address",
                  "127.0.0.1",
                  "--control-plane-endpoint",
                  "127.0.0.1:6443",
                  "--out",
                  cp.toString()));
      args.addAll(Cli.connection(operator, "127.0.0.1:" + past.port()));
      Cli.Result provisioned = Cli.inChildJvm(FOUR_HUNDRED_DAYS_AGO, args.toArray(new String[0]));
      assertEquals(0, provisioned.exitCode(), provisioned.toString());
    }

    // Today: every certificate has expired, which check-expiration and openssl both see.
    Map<String, X509Certificate> old = leaves(cp);
    assertEquals(12, old.size(), old.keySet().toString());
    Instant monthAgo = Instant.now().minus(Duration.ofDays(30));
    old.forEach(
        (name, leaf) ->
            assertTrue(leaf.getNotAfter().toInstant().isBefore(monthAgo), name + " expired"));
    Map<String, Long> residual = residualSeconds(cp, "certificates");
    assertEquals(old.keySet(), residual.keySet());
    residual.forEach((name, seconds) -> assertTrue(seconds < -30L * 86400, name + ": " + seconds));
    residualSeconds(cp, "certificateAuthorities")
        .forEach(
            (name, seconds) ->
                assertTrue(seconds > 8L * 365 * 86400, name + " still valid: " + seconds));
    Tools.Run expired = verify(cp.resolve("pki/ca.crt"), cp.resolve("pki/apiserver.crt"));
    assertTrue(
        expired.exitCode() != 0 && expired.output().contains("certificate has expired"),
        expired.output());

    // The operator's credential expired too: recover says so, and what to do, before anything.
    List<String> recover = new ArrayList<>(List.of("recover", "--dir", cp.toString()));
    recover.addAll(Cli.connection(operator, "127.0.0.1:1"));
    Cli.Result refused = Cli.run(recover.toArray(new String[0]));
    assertEquals(3, refused.exitCode(), refused.toString());
    assertTrue(
        refused.err().contains("operator.crt expired at")
            && refused.err().contains("run `signetd init`"),
        refused.err());
    assertEquals(old, leaves(cp), "nothing touched");

    // signetd init today replaces the daemon's and the operator's expired credentials.
    DaemonProcess.Result init = DaemonProcess.init(token, config);
    assertTrue(init.stdout().contains("signetd.crt: issued for"), init.stdout());
    assertTrue(
        init.stdout().contains("operator.crt: issued to operator (ca-admin)"), init.stdout());
    assertTrue(init.stdout().contains("it replaces one expired at"), init.stdout());
    assertTrue(init.stdout().contains("key kubernetes-ca: exists, kept"), init.stdout());

    Map<String, byte[]> oldKubeconfigs = new LinkedHashMap<>();
    for (String kubeconfig : KUBECONFIGS) {
      oldKubeconfigs.put(kubeconfig, Files.readAllBytes(cp.resolve(kubeconfig)));
    }
    byte[] oldApiserverKey = Files.readAllBytes(cp.resolve("pki/apiserver.key"));
    Cli.Result recovered;
    try (DaemonProcess daemon = DaemonProcess.serve(token, config)) {
      recover.set(recover.size() - 1, "127.0.0.1:" + daemon.port());
      recovered = Cli.run(recover.toArray(new String[0]));
    }
    assertEquals(0, recovered.exitCode(), recovered.toString());
    assertTrue(
        recovered.out().contains("Recovered: 12 certificates issued, 0 kept"), recovered.out());
    assertEquals(12, recovered.out().split("\\(expired on ", -1).length - 1, recovered.out());
    String table = recovered.out().substring(recovered.out().indexOf("CERTIFICATE "));
    assertFalse(table.contains("expired") || table.contains("!MISSING!"), table);
    assertTrue(
        table.contains("apiserver ") && table.contains("kubelet.conf ") && table.contains("364d"),
        table);

    // Every certificate is new, valid for a year, with a new key; the old files are the backups.
    Map<String, X509Certificate> now = leaves(cp);
    assertEquals(old.keySet(), now.keySet());
    for (String name : now.keySet()) {
      assertNotEquals(old.get(name).getSerialNumber(), now.get(name).getSerialNumber(), name);
      assertNotEquals(
          old.get(name).getPublicKey(), now.get(name).getPublicKey(), name + ": a new key");
      assertEquals(
          old.get(name).getSubjectX500Principal(), now.get(name).getSubjectX500Principal(), name);
    }
    residualSeconds(cp, "certificates")
        .forEach((name, seconds) -> assertTrue(seconds > 364L * 86400, name + ": " + seconds));
    assertArrayEquals(oldApiserverKey, Files.readAllBytes(cp.resolve("pki/apiserver.key.bak")));
    for (String kubeconfig : KUBECONFIGS) {
      assertArrayEquals(
          oldKubeconfigs.get(kubeconfig),
          Files.readAllBytes(cp.resolve(kubeconfig + ".bak")),
          kubeconfig);
    }

    // The outside judges: openssl verifies every new leaf against its CA file, kubectl reads
    // every recovered kubeconfig and its credential verifies against pki/ca.crt.
    Manifest manifest = Manifest.load(cp).orElseThrow();
    for (Credential credential : manifest.credentials()) {
      if (credential.hasPair()) {
        Path caFile = cp.resolve(manifest.caFiles().get(credential.profile().trustDomain()));
        Tools.Run verified = verify(caFile, credential.certificatePath(cp));
        assertEquals(0, verified.exitCode(), credential.name() + ": " + verified.output());
      }
    }
    Path kubectl = Tools.kubectl();
    for (String kubeconfig : KUBECONFIGS) {
      Path file = cp.resolve(kubeconfig);
      Path extracted = temp.resolve(kubeconfig + ".client.crt");
      Files.write(
          extracted,
          Base64.getDecoder()
              .decode(
                  Tools.jsonpath(kubectl, file, temp, "{.users[0].user.client-certificate-data}")));
      Tools.Run verified = verify(cp.resolve("pki/ca.crt"), extracted);
      assertEquals(0, verified.exitCode(), kubeconfig + ": " + verified.output());
      assertEquals(now.get(kubeconfig), Certificates.read(extracted).get(0), kubeconfig);
    }
  }

  @Test
  void refusesADirectoryWithoutAManifest() throws Exception {
    Path byHand = temp.resolve("kubeadm-made");
    Files.createDirectories(byHand.resolve("pki"));
    Files.writeString(byHand.resolve("admin.conf"), "apiVersion: v1\nkind: Config\n");

    Cli.Result result = Cli.run("recover", "--dir", byHand.toString(), "--server", "127.0.0.1:1");

    assertEquals(2, result.exitCode(), result.toString());
    assertTrue(result.err().contains("no .signet/manifest.yaml in " + byHand), result.err());
    assertTrue(
        result.err().contains("signet renews and recovers only what it wrote there"), result.err());
  }

  /** Every certificate the manifest records, by name, read from its file or kubeconfig. */
  private static Map<String, X509Certificate> leaves(Path root) throws Exception {
    Map<String, X509Certificate> leaves = new LinkedHashMap<>();
    for (Credential credential : Manifest.load(root).orElseThrow().credentials()) {
      leaves.put(
          credential.name(),
          credential.hasPair()
              ? Certificates.read(credential.certificatePath(root)).get(0)
              : Certificates.read(
                      ((Kubeconfig.Embedded)
                              Kubeconfig.read(credential.kubeconfigPath(root)).credential())
                          .certificatePem())
                  .get(0));
    }
    return leaves;
  }

  /** {@code signet check-expiration -o json}: residual seconds by name, of one list. */
  @SuppressWarnings("unchecked")
  private static Map<String, Long> residualSeconds(Path root, String list) {
    Cli.Result json = Cli.run("check-expiration", "--dir", root.toString(), "-o", "json");
    assertEquals(0, json.exitCode(), json.toString());
    Map<String, Object> document =
        (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(json.out());
    Map<String, Long> residual = new LinkedHashMap<>();
    for (Map<String, Object> row : (List<Map<String, Object>>) document.get(list)) {
      assertEquals(false, row.get("missing"), row.toString());
      residual.put((String) row.get("name"), ((Number) row.get("residualTimeSeconds")).longValue());
    }
    return residual;
  }

  private static Tools.Run verify(Path caFile, Path certificate) throws Exception {
    return Tools.run(
        List.of("openssl", "verify", "-CAfile", caFile.toString(), certificate.toString()));
  }
}
