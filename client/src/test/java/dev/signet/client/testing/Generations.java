package dev.signet.client.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The successive contents of a file, as a test polling it sees them. */
public final class Generations {
  private final Path file;
  private final List<byte[]> seen = new ArrayList<>();

  /** Starts with the file's current content. */
  public Generations(Path file) throws IOException {
    this.file = file;
    seen.add(Files.readAllBytes(file));
  }

  public Path file() {
    return file;
  }

  /** The new content when the file changed since the last look (then recorded); else empty. */
  public Optional<byte[]> poll() throws IOException {
    byte[] current;
    try {
      current = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty(); // between a delete and a rename; not a generation
    }
    if (Arrays.equals(current, latest())) {
      return Optional.empty();
    }
    seen.add(current);
    return Optional.of(current);
  }

  /** Every content seen, oldest first. */
  public List<byte[]> all() {
    return List.copyOf(seen);
  }

  public byte[] latest() {
    return seen.get(seen.size() - 1);
  }

  /** The content before the latest. */
  public byte[] previous() {
    return seen.get(seen.size() - 2);
  }

  /** How many times it changed. */
  public int changes() {
    return seen.size() - 1;
  }
}
