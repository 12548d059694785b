package dev.signet.server.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.TestToken;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CA creation is all-or-nothing even when {@code signetd init} is killed half-way (an error
 * half-way, and a second run, are in the key store contract, {@code CaKeyStoreContract}).
 */
class CaSetupIT {
  @TempDir Path temp;

  @Test
  void aCrashBeforeTheCommitIsRolledBackByTheNextInit() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "crash-early");
    Path config = new DaemonConfig().writeTo(token);

    DaemonProcess.Result crashed =
        DaemonProcess.run(
            token,
            List.of("-Dsignet.fault=init.after-pending-ca"),
            "init",
            "-c",
            config.toString());
    assertEquals(137, crashed.exitCode(), crashed.stderr());
    assertTrue(
        objectLabels(token).stream().anyMatch(l -> l.startsWith("signet-pending:")),
        "the crash left a pending CA");

    DaemonProcess.Result recovered = DaemonProcess.init(token, config);
    assertTrue(
        recovered.stdout().contains("removed uncommitted kubernetes-ca"), recovered.stdout());
    assertEachCaComplete(objectLabels(token), defaultCas());
  }

  @Test
  void aCrashAfterTheCommitIsFinishedByTheNextInit() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "crash-late");
    Path config = new DaemonConfig().writeTo(token);

    DaemonProcess.Result crashed =
        DaemonProcess.run(
            token, List.of("-Dsignet.fault=init.after-commit"), "init", "-c", config.toString());
    assertEquals(137, crashed.exitCode(), crashed.stderr());
    assertTrue(
        objectLabels(token).stream().anyMatch(l -> l.startsWith("signet-commit:")),
        "the crash left a committed batch");

    DaemonProcess.Result recovered = DaemonProcess.init(token, config);
    for (String label : defaultCas().keySet()) {
      assertTrue(recovered.stdout().contains("finished " + label), recovered.stdout());
      assertTrue(
          recovered.stdout().contains("key " + label + ": exists, kept"), recovered.stdout());
    }
    assertEachCaComplete(objectLabels(token), defaultCas());
  }

  /** What signetd init creates with the default configuration: four CAs and the audit key. */
  private static Map<String, CaSetup.KeySpec> defaultCas() {
    Map<String, CaSetup.KeySpec> wanted = new LinkedHashMap<>();
    for (String label : List.of("kubernetes-ca", "etcd-ca", "front-proxy-ca", "signet-api-ca")) {
      wanted.put(label, CaSetup.KeySpec.ca(label));
    }
    wanted.put("signet-audit", new CaSetup.KeySpec("signet-audit", false));
    return wanted;
  }

  /** Each CA is exactly a public key, a private key and a certificate; no leftovers at all. */
  private static void assertEachCaComplete(
      List<String> labels, Map<String, CaSetup.KeySpec> wanted) {
    for (String label : wanted.keySet()) {
      assertEquals(3, count(labels, label), label + " in " + labels);
    }
    assertTrue(
        labels.stream()
            .noneMatch(l -> l.startsWith("signet-pending:") || l.startsWith("signet-commit:")),
        "no pending objects or markers: " + labels);
  }

  private static long count(List<String> labels, String label) {
    return labels.stream().filter(label::equals).count();
  }

  private static List<String> objectLabels(TestToken token) throws Exception {
    DaemonProcess.Result listing =
        DaemonProcess.runMain(
            token,
            Map.of(),
            List.of(),
            "dev.signet.server.testing.TokenInspector",
            token.label(),
            token.userPinFile().toString());
    assertEquals(0, listing.exitCode(), listing.stderr());
    return listing.stdout().lines().toList();
  }
}
