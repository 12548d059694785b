package dev.signet.server.config;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any text as signetd.yaml: the loader either returns a configuration or refuses with a
 * ConfigException that says what is wrong; no other exception, no hang.
 */
class ConfigLoaderFuzzTest {
  private static final Path DIRECTORY = temporaryDirectory();

  @FuzzTest(maxDuration = "10m")
  void anyTextLoadsOrIsRefusedWithAMessage(byte[] yaml) throws IOException {
    Path file = DIRECTORY.resolve("signetd.yaml");
    Files.write(file, yaml);
    try {
      ConfigLoader.load(file);
    } catch (ConfigException refused) {
      assertFalse(refused.getMessage() == null || refused.getMessage().isEmpty());
    }
  }

  private static Path temporaryDirectory() {
    try {
      Path directory = Files.createTempDirectory("config-fuzz");
      Files.writeString(directory.resolve("user.pin"), "1234", StandardCharsets.US_ASCII);
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
