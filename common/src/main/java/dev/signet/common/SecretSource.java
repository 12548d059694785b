package dev.signet.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Where a secret (an HSM PIN, a database password, a bootstrap token) is read from: a file ({@code
 * file:/path}) or an environment variable ({@code env:NAME}). Never the secret itself: secrets do
 * not belong in configuration files or on command lines, where they end up in backups, process
 * listings and shell histories.
 *
 * <p>{@link #toString()} shows the reference, never the value.
 */
public final class SecretSource {
  private final String kind;
  private final String location;

  private SecretSource(String kind, String location) {
    this.kind = kind;
    this.location = location;
  }

  /**
   * Parses {@code file:/path/to/pin} or {@code env:VARIABLE}. Relative file paths are resolved
   * against {@code baseDirectory} (the directory of the configuration file that names them).
   */
  public static SecretSource parse(String reference, Path baseDirectory) {
    int colon = reference.indexOf(':');
    String kind = colon < 0 ? "" : reference.substring(0, colon);
    String location = colon < 0 ? "" : reference.substring(colon + 1);
    if (location.isEmpty() || !(kind.equals("file") || kind.equals("env"))) {
      throw new IllegalArgumentException(
          "must be file:/path/to/secret or env:VARIABLE_NAME (the secret itself is never"
              + " accepted here)");
    }
    if (kind.equals("file")) {
      location = baseDirectory.resolve(location).normalize().toString();
    }
    return new SecretSource(kind, location);
  }

  /** A secret kept in a file. */
  public static SecretSource file(Path path) {
    return new SecretSource("file", path.toAbsolutePath().normalize().toString());
  }

  /**
   * Reads the secret. A single trailing newline (as {@code echo} writes) is dropped. The caller
   * owns the array and should wipe it with {@link Arrays#fill(char[], char)} when done.
   */
  public char[] read() throws IOException {
    return read(System.getenv());
  }

  char[] read(Map<String, String> environment) throws IOException {
    char[] value;
    if (kind.equals("env")) {
      String text = environment.get(location);
      if (text == null) {
        throw new IOException("environment variable " + location + " is not set");
      }
      value = text.toCharArray();
    } else {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(Path.of(location));
      } catch (IOException e) {
        throw new IOException("cannot read secret file " + location + ": " + describe(e), e);
      }
      try {
        value = decode(bytes);
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
    }
    int length = value.length;
    if (length > 0 && value[length - 1] == '\n') {
      length--;
      if (length > 0 && value[length - 1] == '\r') {
        length--;
      }
    }
    if (length == 0) {
      throw new IOException(this + " is empty");
    }
    char[] trimmed = Arrays.copyOf(value, length);
    Arrays.fill(value, '\0');
    return trimmed;
  }

  private char[] decode(byte[] bytes) throws IOException {
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes));
      char[] value = new char[chars.remaining()];
      chars.get(value);
      Arrays.fill(chars.array(), '\0');
      return value;
    } catch (CharacterCodingException e) {
      throw new IOException("secret file " + location + " is not UTF-8 text");
    }
  }

  private static String describe(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    return e.getClass().getSimpleName();
  }

  @Override
  public String toString() {
    return kind + ":" + location;
  }
}
