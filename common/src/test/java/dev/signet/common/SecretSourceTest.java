package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves that a {@link SecretSource} reads secrets only from {@code file:} and {@code env:}
 * references, drops exactly one trailing newline, refuses empty secrets, resolves relative files
 * against the configuration directory, and never shows the secret in a message or in toString.
 */
class SecretSourceTest {
  private static final String SECRET = "s3cret-PIN-4711";

  @TempDir Path directory;

  @Test
  void readsAFileGivenByAbsolutePath() throws IOException {
    Path pin = write("pin", SECRET);

    char[] value = SecretSource.parse("file:" + pin, Path.of("/nonexistent")).read(Map.of());

    assertArrayEquals(SECRET.toCharArray(), value);
  }

  @Test
  void readsAnEnvironmentVariable() throws IOException {
    SecretSource source = SecretSource.parse("env:SIGNET_PIN", directory);

    assertArrayEquals(SECRET.toCharArray(), source.read(Map.of("SIGNET_PIN", SECRET)));
  }

  @Test
  void missingEnvironmentVariableIsAnErrorNamingIt() {
    SecretSource source = SecretSource.parse("env:SIGNET_PIN", directory);

    IOException e = assertThrows(IOException.class, () -> source.read(Map.of("OTHER", SECRET)));

    assertTrue(e.getMessage().contains("SIGNET_PIN"), e.getMessage());
  }

  @Test
  void dropsASingleTrailingNewlineAsEchoWritesIt() throws IOException {
    assertArrayEquals(SECRET.toCharArray(), readFile(SECRET + "\n"));
    assertArrayEquals(SECRET.toCharArray(), readFile(SECRET + "\r\n"));
    assertArrayEquals(
        SECRET.toCharArray(),
        SecretSource.parse("env:P", directory).read(Map.of("P", SECRET + "\n")));
  }

  @Test
  void dropsOnlyOneTrailingNewline() throws IOException {
    assertArrayEquals((SECRET + "\n").toCharArray(), readFile(SECRET + "\n\n"));
  }

  @Test
  void keepsOtherWhitespaceBecauseItMayBePartOfTheSecret() throws IOException {
    assertArrayEquals((" " + SECRET + " ").toCharArray(), readFile(" " + SECRET + " \n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n", "\r\n"})
  void emptySecretFileIsAnError(String content) throws IOException {
    Path pin = write("empty", content);
    SecretSource source = SecretSource.parse("file:" + pin, directory);

    IOException e = assertThrows(IOException.class, () -> source.read(Map.of()));

    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void emptyEnvironmentVariableIsAnError() {
    SecretSource source = SecretSource.parse("env:SIGNET_PIN", directory);

    assertThrows(IOException.class, () -> source.read(Map.of("SIGNET_PIN", "")));
  }

  @ParameterizedTest
  @ValueSource(strings = {SECRET, "1234", "pin:" + SECRET, SECRET + ":x"})
  void rejectsASecretWrittenInPlaceWithoutEchoingIt(String reference) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SecretSource.parse(reference, directory));

    assertTrue(e.getMessage().contains("file:"), e.getMessage());
    assertTrue(e.getMessage().contains("env:"), e.getMessage());
    assertFalse(e.getMessage().contains(reference), e.getMessage());
    assertFalse(e.getMessage().contains("1234"), e.getMessage());
    assertFalse(e.getMessage().contains(SECRET), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"File:/etc/pin", "ENV:PIN", "file:", "env:", "", ":", "http://x/pin"})
  void rejectsMalformedReferences(String reference) {
    assertThrows(IllegalArgumentException.class, () -> SecretSource.parse(reference, directory));
  }

  @Test
  void resolvesRelativeFilePathsAgainstTheBaseDirectory() throws IOException {
    Files.createDirectories(directory.resolve("secrets"));
    write("secrets/pin", SECRET);

    SecretSource source = SecretSource.parse("file:secrets/pin", directory);

    assertEquals("file:" + directory.resolve("secrets/pin"), source.toString());
    assertArrayEquals(SECRET.toCharArray(), source.read(Map.of()));
  }

  @Test
  void normalisesDotDotInRelativePaths() throws IOException {
    Path config = Files.createDirectories(directory.resolve("config"));
    write("pin", SECRET);

    SecretSource source = SecretSource.parse("file:../pin", config);

    assertEquals("file:" + directory.resolve("pin"), source.toString());
    assertArrayEquals(SECRET.toCharArray(), source.read(Map.of()));
  }

  @Test
  void toStringShowsTheReferenceNeverTheValue() throws IOException {
    Path pin = write("pin", SECRET);
    SecretSource file = SecretSource.parse("file:" + pin, directory);
    SecretSource env = SecretSource.parse("env:SIGNET_PIN", directory);

    file.read(Map.of());
    env.read(Map.of("SIGNET_PIN", SECRET));

    assertEquals("file:" + pin, file.toString());
    assertEquals("env:SIGNET_PIN", env.toString());
    assertEquals("file:" + pin, SecretSource.file(pin).toString());
  }

  @Test
  void emptyErrorNamesTheSourceButNotTheValue() throws IOException {
    Path pin = write("pin", "\n");

    IOException e =
        assertThrows(
            IOException.class, () -> SecretSource.parse("file:" + pin, directory).read(Map.of()));

    assertTrue(e.getMessage().contains(pin.toString()), e.getMessage());
  }

  @Test
  void missingFileErrorSaysNoSuchFileAndNamesThePath() {
    Path missing = directory.resolve("no-pin-here");
    SecretSource source = SecretSource.parse("file:" + missing, directory);

    IOException e = assertThrows(IOException.class, () -> source.read(Map.of()));

    assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void fileThatIsNotUtf8IsAnErrorThatDoesNotQuoteIt() throws IOException {
    Path pin = directory.resolve("binary");
    Files.write(pin, new byte[] {'a', (byte) 0xff, (byte) 0xfe, 'b'});
    SecretSource source = SecretSource.parse("file:" + pin, directory);

    IOException e = assertThrows(IOException.class, () -> source.read(Map.of()));

    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    assertFalse(e.getMessage().contains("a\uFFFD"), e.getMessage());
  }

  @Test
  void readsNonAsciiSecretsAsUtf8() throws IOException {
    assertArrayEquals("pässwörd€".toCharArray(), readFile("pässwörd€\n"));
  }

  private char[] readFile(String content) throws IOException {
    Path pin = write("pin-" + Integer.toHexString(content.hashCode()), content);
    return SecretSource.parse("file:" + pin, directory).read(Map.of());
  }

  private Path write(String name, String content) throws IOException {
    return Files.write(directory.resolve(name), content.getBytes(StandardCharsets.UTF_8));
  }
}
