package dev.signet.server.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.keystore.pkcs11.Pkcs11Token;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.InProcessToken;
import dev.signet.server.testing.TestToken;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CA creation is all-or-nothing and idempotent, even when interrupted by an error or a crash. */
class CaSetupIT {
  private static final Duration TEN_YEARS = Duration.ofDays(3650);

  @TempDir Path temp;

  @Test
  void aFailurePartWayLeavesNoKeyOrCertificateBehind() throws Exception {
    Pkcs11Token token = InProcessToken.get();
    Map<String, CaSetup.KeySpec> wanted = cas("rollback");
    AtomicInteger built = new AtomicInteger();
    CaSetup failing =
        new CaSetup(
            token,
            Clock.systemUTC(),
            new SecureRandom(),
            label -> {
              if (built.incrementAndGet() == 3) {
                throw new IllegalStateException("injected failure after two CAs");
              }
            });

    assertThrows(
        TokenException.class,
        () -> failing.ensure(wanted, KeyAlgorithm.ECDSA_P256, TEN_YEARS, Duration.ZERO));

    List<String> labels = token.objectLabels();
    assertTrue(
        labels.stream()
            .noneMatch(l -> l.startsWith("signet-pending:") || l.startsWith("signet-commit:")),
        labels.toString());
    for (String label : wanted.keySet()) {
      assertEquals(0, count(labels, label), label + " must not exist after the failed batch");
    }

    CaSetup.Result retry =
        new CaSetup(token, Clock.systemUTC(), new SecureRandom())
            .ensure(wanted, KeyAlgorithm.ECDSA_P256, TEN_YEARS, Duration.ZERO);
    assertEquals(List.copyOf(wanted.keySet()), retry.created());
    assertEachCaComplete(token.objectLabels(), wanted);
  }

  @Test
  void runningAgainChangesNothing() throws Exception {
    Pkcs11Token token = InProcessToken.get();
    Map<String, CaSetup.KeySpec> wanted = cas("idempotent");
    CaSetup setup = new CaSetup(token, Clock.systemUTC(), new SecureRandom());
    setup.ensure(wanted, KeyAlgorithm.ECDSA_P384, TEN_YEARS, Duration.ZERO);
    byte[] before = token.findKey("idempotent-kubernetes").orElseThrow().certificate().getEncoded();

    CaSetup.Result again = setup.ensure(wanted, KeyAlgorithm.RSA_2048, TEN_YEARS, Duration.ZERO);

    assertEquals(List.of(), again.created());
    assertEquals(List.copyOf(wanted.keySet()), again.existing());
    assertTrue(
        Arrays.equals(
            before,
            token.findKey("idempotent-kubernetes").orElseThrow().certificate().getEncoded()));
    assertEachCaComplete(token.objectLabels(), wanted);
  }

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

  private static Map<String, CaSetup.KeySpec> cas(String prefix) {
    Map<String, CaSetup.KeySpec> wanted = new LinkedHashMap<>();
    for (String name : List.of("kubernetes", "etcd", "front-proxy", "signet-api")) {
      wanted.put(prefix + "-" + name, CaSetup.KeySpec.ca(name + "-ca"));
    }
    return wanted;
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
