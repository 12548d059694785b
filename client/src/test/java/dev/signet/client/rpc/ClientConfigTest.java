package dev.signet.client.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client configuration as signetd init writes it, and its mistakes. */
class ClientConfigTest {
  @TempDir Path directory;

  @Test
  void readsWhatSignetdInitWritesWithPathsRelativeToTheFile() throws Exception {
    Path file =
        Files.writeString(
            directory.resolve("signet.yaml"),
            """
            # Connection settings for the signet CLI, written by signetd init.
            server: "127.0.0.1:7443"
            caBundle: ca.crt
            certificate: operator.crt
            key: /abs/operator.key
            timeout: 5s
            """);

    ClientConfig config = ClientConfig.load(file);

    assertEquals(Optional.of("127.0.0.1:7443"), config.server());
    assertEquals(Optional.of(directory.resolve("ca.crt")), config.caBundle());
    assertEquals(Optional.of(directory.resolve("operator.crt")), config.certificate());
    assertEquals(Optional.of(Path.of("/abs/operator.key")), config.key());
    assertEquals(Optional.of("5s"), config.timeout());
  }

  @Test
  void mistakesAreConfigurationErrorsThatNameTheKey() throws Exception {
    SignetException typo =
        assertThrows(
            SignetException.class,
            () ->
                ClientConfig.load(Files.writeString(directory.resolve("a.yaml"), "sever: x:1\n")));
    assertEquals(ExitCode.CONFIG, typo.exitCode());
    assertTrue(typo.getMessage().contains("unknown key 'sever'"), typo.getMessage());

    SignetException missing =
        assertThrows(
            SignetException.class, () -> ClientConfig.load(directory.resolve("none.yaml")));
    assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());

    SignetException list =
        assertThrows(
            SignetException.class,
            () ->
                ClientConfig.load(Files.writeString(directory.resolve("b.yaml"), "key: [a, b]\n")));
    assertTrue(list.getMessage().contains("'key' must be a string"), list.getMessage());
  }

  @Test
  void theDefaultFileIsSignetConfigElseTheOneInHome() throws Exception {
    assertEquals(
        Optional.of(Path.of("/etc/signet.yaml")),
        ClientConfig.defaultFile(Map.of("SIGNET_CONFIG", "/etc/signet.yaml"), directory));
    assertEquals(Optional.empty(), ClientConfig.defaultFile(Map.of(), directory));
    Path inHome = directory.resolve(".config/signet/signet.yaml");
    Files.createDirectories(inHome.getParent());
    Files.writeString(inHome, "server: h:1\n");
    assertEquals(Optional.of(inHome), ClientConfig.defaultFile(Map.of(), directory));
  }
}
