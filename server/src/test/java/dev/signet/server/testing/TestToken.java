package dev.signet.server.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real SoftHSM2 token in a directory of its own, made by the project's own
 * hsm-config/create-softhsm-token.sh, so every test run also exercises the script.
 */
public final class TestToken {
  private final Path directory;
  private final String label;

  private TestToken(Path directory, String label) {
    this.directory = directory;
    this.label = label;
  }

  /** Creates a token labelled {@code label} in {@code directory} (which may already hold one). */
  public static TestToken create(Path directory, String label)
      throws IOException, InterruptedException {
    Path script = projectRoot().resolve("hsm-config/create-softhsm-token.sh");
    Process process =
        new ProcessBuilder(script.toString(), "--dir", directory.toString(), "--label", label)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("create-softhsm-token.sh failed: " + output);
    }
    return new TestToken(directory.toAbsolutePath(), label);
  }

  /** The project's top directory, found from wherever the test runs. */
  public static Path projectRoot() {
    Path here = Path.of("").toAbsolutePath();
    for (Path candidate = here; candidate != null; candidate = candidate.getParent()) {
      if (Files.exists(candidate.resolve("hsm-config/create-softhsm-token.sh"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("cannot find the project root above " + here);
  }

  public Path directory() {
    return directory;
  }

  public String label() {
    return label;
  }

  public Path softhsmConf() {
    return directory.resolve("softhsm2.conf");
  }

  public Path userPinFile() {
    return directory.resolve("user.pin");
  }

  public char[] userPin() throws IOException {
    return Files.readString(userPinFile()).strip().toCharArray();
  }

  /** The environment a process needs to see this token. */
  public Map<String, String> environment() {
    return Map.of("SOFTHSM2_CONF", softhsmConf().toString());
  }
}
