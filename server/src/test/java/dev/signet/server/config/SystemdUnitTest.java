package dev.signet.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/signetd.service against deploy/signetd.yaml, the configuration it runs: the PIN is the
 * credential the unit loads, everything signetd writes is in a directory the sandbox leaves
 * writable, and the restart policy follows signetd's exit codes.
 */
class SystemdUnitTest {
  private static Map<String, List<String>> unit;
  private static SignetdConfig config;

  @BeforeAll
  static void load() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("docker-compose.yml"))) {
      root = root.getParent();
    }
    unit = new HashMap<>();
    for (String line : Files.readAllLines(root.resolve("deploy/signetd.service"))) {
      if (!line.isBlank() && !line.startsWith("#") && !line.startsWith("[")) {
        String[] setting = line.split("=", 2);
        unit.computeIfAbsent(setting[0], k -> new ArrayList<>()).add(setting[1]);
      }
    }
    config = ConfigLoader.load(root.resolve("deploy/signetd.yaml"));
  }

  private static String one(String key) {
    assertEquals(1, unit.getOrDefault(key, List.of()).size(), key);
    return unit.get(key).get(0);
  }

  @Test
  void thePinIsTheCredentialTheUnitLoadsFromARootOnlyFile() {
    Map<String, String> credentials = new HashMap<>();
    for (String credential : unit.get("LoadCredential")) {
      String[] idAndPath = credential.split(":", 2);
      credentials.put(idAndPath[0], idAndPath[1]);
    }
    String pin = config.hsm().pin().toString();
    assertTrue(pin.startsWith("file:/run/credentials/signetd.service/"), pin);
    String id = pin.substring("file:/run/credentials/signetd.service/".length());
    assertTrue(credentials.containsKey(id), "LoadCredential=" + id + ":... in " + credentials);
    assertTrue(credentials.get(id).startsWith("/etc/signet/"), credentials.get(id));
    for (String environment : unit.getOrDefault("Environment", List.of())) {
      assertFalse(environment.toUpperCase(java.util.Locale.ROOT).contains("PIN"), environment);
    }
  }

  @Test
  void signetdRunsAsItsOwnUserWithTheInstalledConfiguration() {
    assertEquals("signet", one("User"));
    assertEquals("/opt/signet/bin/signetd serve -c /etc/signet/signetd.yaml", one("ExecStart"));
    assertEquals("yes", one("NoNewPrivileges"));
    assertEquals("strict", one("ProtectSystem"));
    assertEquals("", one("CapabilityBoundingSet"));
  }

  @Test
  void everythingSignetdWritesIsInItsStateDirectory() {
    Path state = Path.of("/var/lib").resolve(one("StateDirectory"));
    List<Path> written =
        List.of(
            config.tls().certificate(),
            config.tls().key(),
            config.tls().operatorDirectory(),
            Path.of(config.ledger().url().substring("jdbc:sqlite:".length())));
    for (Path path : written) {
      assertTrue(path.startsWith(state), path + " is under " + state);
    }
  }

  @Test
  void itRestartsAfterATokenFailureButNeverRetriesAWrongPin() {
    assertEquals("on-failure", one("Restart"));
    List<String> prevented = List.of(one("RestartPreventExitStatus").split(" ", -1));
    for (ExitCode never :
        List.of(ExitCode.USAGE, ExitCode.CONFIG, ExitCode.TOKEN, ExitCode.AUDIT_BROKEN)) {
      assertTrue(prevented.contains(String.valueOf(never.code())), never + " in " + prevented);
    }
    assertFalse(prevented.contains(String.valueOf(ExitCode.TEMPORARY.code())));
    assertFalse(prevented.contains(String.valueOf(ExitCode.LEDGER.code())));
  }
}
