package dev.signet.server.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.common.AtomicFiles;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.LedgerRows;
import dev.signet.server.testing.TestToken;
import dev.signet.server.x509.X509;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** signetd as a process: init, serve over real mutual TLS, restart, and the token's faults. */
class SignetdIT {
  @TempDir Path temp;

  @Test
  void issuesOverMutualTlsAndCaKeysSurviveRestart() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "restart");
    Path config = new DaemonConfig().writeTo(token);
    DaemonProcess.init(token, config);

    X509Certificate caBefore;
    try (DaemonProcess daemon = DaemonProcess.serve(token, config);
        ApiClient client = ApiClient.asOperator(token, daemon.port())) {
      IssueCertificateResponse first = client.issueKubeletClient("worker-1");
      caBefore = X509.parse(first.getChainDer(0).toByteArray());
      X509.parse(first.getCertificateDer().toByteArray()).verify(caBefore.getPublicKey());
      // A JVM ended by SIGTERM reports 128+15 after its shutdown hook ran (systemd counts it
      // clean).
      assertEquals(143, daemon.stop());
      assertTrue(daemon.log().contains("stopping"), "graceful stop: " + daemon.log());
    }

    try (DaemonProcess daemon = DaemonProcess.serve(token, config);
        ApiClient client = ApiClient.asOperator(token, daemon.port())) {
      IssueCertificateResponse second = client.issueKubeletClient("worker-2");
      if (DaemonProcess.keepsNativeLibraries()) {
        // the SQLite driver loaded the kept copy, not one it extracted for this start
        Path library = daemon.sqliteLibrary().orElseThrow();
        assertTrue(library.getFileName().toString().startsWith("sqlite-jdbc-"), library::toString);
        assertEquals(
            Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
            Files.getPosixFilePermissions(library),
            "no one else may replace its code");
      }
      X509Certificate caAfter = X509.parse(second.getChainDer(0).toByteArray());
      assertArrayEquals(caBefore.getEncoded(), caAfter.getEncoded(), "same CA after restart");
      X509.parse(second.getCertificateDer().toByteArray()).verify(caBefore.getPublicKey());
      assertEquals(
          4,
          client
              .issuance()
              .getCaBundles(GetCaBundlesRequest.getDefaultInstance())
              .getBundlesCount());
    }
    assertEquals(2, LedgerRows.of(token).count("profile = 'kubelet-client' AND state = 'ISSUED'"));
  }

  /**
   * After a long shutdown the operator's credential has expired with everything else; init, run
   * again, is how the operator gets a working one, so it replaces one that expires within 30 days
   * (under the same name, the old files kept as .bak) and keeps one that does not.
   */
  @Test
  void initReplacesAnOperatorCredentialExpiringWithin30DaysAndKeepsTheOldOne() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "reinit");
    Path config = new DaemonConfig().apiCredentialValidity("240h").writeTo(token);
    Path operator = token.directory().resolve("operator");
    assertEquals(
        0,
        DaemonProcess.run(token, List.of(), "init", "-c", config.toString(), "--operator", "alice")
            .exitCode());
    String oldCertificate = Files.readString(operator.resolve("operator.crt"));
    String oldKey = Files.readString(operator.resolve("operator.key"));

    DaemonProcess.Result again = DaemonProcess.init(token, config);
    assertTrue(again.stdout().contains("operator.crt: issued to alice (ca-admin)"), again.stdout());
    assertTrue(again.stdout().contains("it replaces one expiring at"), again.stdout());
    assertTrue(
        again.stdout().contains("kept as operator.crt.bak and operator.key.bak"), again.stdout());
    assertEquals(oldCertificate, Files.readString(operator.resolve("operator.crt.bak")));
    assertEquals(oldKey, Files.readString(operator.resolve("operator.key.bak")));
    assertEquals(
        AtomicFiles.SECRET, Files.getPosixFilePermissions(operator.resolve("operator.key.bak")));
    assertNotEquals(oldKey, Files.readString(operator.resolve("operator.key")), "a new key");
    try (DaemonProcess daemon = DaemonProcess.serve(token, config);
        ApiClient client = ApiClient.asOperator(token, daemon.port())) {
      assertEquals(
          4,
          client
              .issuance()
              .getCaBundles(GetCaBundlesRequest.getDefaultInstance())
              .getBundlesCount());
    }

    Path longer = new DaemonConfig().apiCredentialValidity("1440h").writeTo(token);
    DaemonProcess.init(token, longer);
    String replaced = Files.readString(operator.resolve("operator.crt"));
    DaemonProcess.Result kept = DaemonProcess.init(token, longer);
    assertTrue(kept.stdout().contains("operator.crt: valid until "), kept.stdout());
    assertEquals(replaced, Files.readString(operator.resolve("operator.crt")));
  }

  @Test
  void wrongPinStopsTheDaemonAfterExactlyOneLoginAttempt() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "wrongpin");
    Path config = new DaemonConfig().writeTo(token);
    DaemonProcess.init(token, config);
    Files.writeString(token.userPinFile(), "not-the-pin\n");
    Path spyLog = temp.resolve("spy.log");
    Path spyConfig =
        new DaemonConfig().library("/usr/lib/x86_64-linux-gnu/pkcs11-spy.so").writeTo(token);

    DaemonProcess.Result result =
        DaemonProcess.run(
            token,
            Map.of(
                "PKCS11SPY",
                "/usr/lib/softhsm/libsofthsm2.so",
                "PKCS11SPY_OUTPUT",
                spyLog.toString()),
            List.of(),
            "serve",
            "-c",
            spyConfig.toString());

    assertEquals(4, result.exitCode(), result.stderr());
    assertTrue(result.stderr().contains("rejected the PIN"), result.stderr());
    long logins =
        Files.readAllLines(spyLog).stream().filter(line -> line.contains("C_Login")).count();
    assertEquals(1, logins, "exactly one C_Login with a wrong PIN");
    assertTrue(!result.stderr().contains("not-the-pin"), "the PIN never appears in output");
  }

  @Test
  void tokenFailureGivesUnavailableAndStopsTheDaemonForARestart() throws Exception {
    TestToken token = TestToken.create(temp.resolve("hsm"), "hsmfault");
    Path config = new DaemonConfig().writeTo(token);
    DaemonProcess.init(token, config);
    Path tokens = token.directory().resolve("tokens");
    Path away = token.directory().resolve("tokens.away");
    try (DaemonProcess daemon = DaemonProcess.serve(token, config);
        ApiClient client = ApiClient.asOperator(token, daemon.port())) {
      client.issueKubeletClient("before-fault");
      Files.move(tokens, away);
      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class, () -> client.issueKubeletClient("during-fault"));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getMessage());
      assertEquals(
          75,
          daemon.awaitExit(Duration.ofSeconds(30)),
          "exit 75 asks the supervisor for a restart");
      assertTrue(daemon.log().contains("cryptographic device failure"), daemon.log());
    }
    Files.move(away, tokens);
    try (DaemonProcess daemon = DaemonProcess.serve(token, config);
        ApiClient client = ApiClient.asOperator(token, daemon.port())) {
      client.issueKubeletClient("after-restart");
    }
    assertEquals(0, LedgerRows.of(token).count("node_name = 'during-fault' AND state = 'ISSUED'"));
    assertEquals(
        0, LedgerRows.of(token).count("state = 'INTENT'"), "the failed attempt was closed");
  }
}
