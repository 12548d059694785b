package dev.signet.client.files;

import dev.signet.common.AtomicFiles;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * How signet replaces a certificate and its key, which live in two files that no file system can
 * rename together, so that a crash at any instant never leaves a certificate paired with the wrong
 * key for longer than it takes to run signet again:
 *
 * <ol>
 *   <li>the new key is written to {@code NAME.key.new}, then the new certificate to {@code
 *       NAME.crt.new} (each atomically: temporary file, fsync, rename, directory fsync; the key
 *       created 0600 before its first byte);
 *   <li>the current pair, if any, is copied to {@code NAME.crt.bak} and {@code NAME.key.bak};
 *   <li>{@code NAME.key.new} is renamed over {@code NAME.key}, then {@code NAME.crt.new} over
 *       {@code NAME.crt}, each rename made durable by a directory fsync.
 * </ol>
 *
 * <p>A reader therefore sees each file either old or new, never half-written. Only a crash between
 * the two renames of step 3 leaves the new key beside the old certificate; the new certificate is
 * then still staged beside them, and {@link #recover} (which every signet command runs first for
 * the files it manages) finishes the swap because the staged certificate matches the live key. A
 * crash before step 3 leaves the old pair in place; {@link #recover} then completes the staged pair
 * if both halves are there and match (backing up the old pair first), and removes the rest.
 */
public final class SafeFiles {
  /** A point between two steps; tests inject crashes there. */
  @FunctionalInterface
  public interface Checkpoint {
    void reached(String step) throws IOException;
  }

  public static final Checkpoint NO_CHECKPOINTS = step -> {};

  private SafeFiles() {}

  /** What becomes of the pair a replacement replaces. */
  public enum Previous {
    /** Kept as NAME.crt.bak and NAME.key.bak, for a person to go back to. */
    BACKED_UP,
    /**
     * Never written anywhere: for a credential whose previous key, still valid, would let whoever
     * reads it act as its owner.
     */
    DROPPED
  }

  /** Replaces the pair as the class comment describes; the previous pair becomes the backup. */
  public static void replacePair(
      Path certificate, byte[] certificatePem, Path key, byte[] keyPem, Checkpoint checkpoint)
      throws IOException {
    replacePair(certificate, certificatePem, key, keyPem, Previous.BACKED_UP, checkpoint);
  }

  /**
   * Replaces the pair as the class comment describes, step 2 (the backup) only if {@code previous}
   * says so.
   */
  public static void replacePair(
      Path certificate,
      byte[] certificatePem,
      Path key,
      byte[] keyPem,
      Previous previous,
      Checkpoint checkpoint)
      throws IOException {
    Path stagedKey = staged(key);
    Path stagedCertificate = staged(certificate);
    AtomicFiles.write(stagedKey, keyPem, AtomicFiles.SECRET);
    checkpoint.reached("key staged");
    AtomicFiles.write(stagedCertificate, certificatePem, AtomicFiles.PUBLIC);
    checkpoint.reached("certificate staged");
    if (previous == Previous.BACKED_UP) {
      backUp(key, AtomicFiles.SECRET);
      backUp(certificate, AtomicFiles.PUBLIC);
    } else {
      refuseLink(key);
      refuseLink(certificate);
    }
    checkpoint.reached("backups written");
    move(stagedKey, key);
    checkpoint.reached("key replaced");
    move(stagedCertificate, certificate);
    checkpoint.reached("certificate replaced");
  }

  /** Replaces one file atomically, keeping the previous content as {@code FILE.bak}. */
  public static void replace(Path file, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    backUp(file, permissions);
    AtomicFiles.write(file, content, permissions);
  }

  /**
   * Finishes or undoes a replacement that a crash interrupted, and removes temporary files a killed
   * writer left. Returns what it did, for the user; empty when there was nothing to do.
   */
  public static List<String> recover(Path certificate, Path key) throws IOException {
    List<String> done = new ArrayList<>();
    for (Path file : List.of(certificate, key, staged(certificate), staged(key))) {
      removeTemporaries(file, done);
    }
    Path stagedKey = staged(key);
    Path stagedCertificate = staged(certificate);
    boolean keyStaged = Files.exists(stagedKey);
    boolean certificateStaged = Files.exists(stagedCertificate);
    if (keyStaged && certificateStaged && Certificates.pairMatches(stagedCertificate, stagedKey)) {
      // the live pair is still the previous one: keep it, as the uninterrupted run would have
      backUp(key, AtomicFiles.SECRET);
      backUp(certificate, AtomicFiles.PUBLIC);
      move(stagedKey, key);
      move(stagedCertificate, certificate);
      done.add("completed the interrupted replacement of " + certificate + " and " + key);
    } else if (!keyStaged
        && certificateStaged
        && Certificates.pairMatches(stagedCertificate, key)) {
      move(stagedCertificate, certificate);
      done.add(
          "completed the interrupted replacement of "
              + certificate
              + " (its new key was already in place)");
    } else {
      for (Path leftover : List.of(stagedKey, stagedCertificate)) {
        if (Files.deleteIfExists(leftover)) {
          done.add("removed " + leftover + " of an interrupted replacement");
        }
      }
    }
    return done;
  }

  /** Removes temporary files a killed writer of {@code file} left behind. */
  public static void removeTemporaries(Path file, List<String> done) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (DirectoryStream<Path> temporaries =
        Files.newDirectoryStream(directory, "." + file.getFileName() + ".tmp-*")) {
      for (Path temporary : temporaries) {
        Files.deleteIfExists(temporary);
        done.add("removed " + temporary + " left by an interrupted write");
      }
    }
  }

  /**
   * Refuses {@code file} when it, or any directory between {@code root} and it, is a symbolic link:
   * signet creates none, so a link there was planted, and following it would write (or back up, or
   * lock) somewhere else, e.g. copy {@code pki/apiserver.crt -> /etc/shadow} into a world-readable
   * {@code apiserver.crt.bak}. {@code root} itself, given on the command line, may be a link.
   */
  public static void refuseLinks(Path root, Path file) throws IOException {
    Path base = root.toAbsolutePath().normalize();
    Path target = file.toAbsolutePath().normalize();
    if (!target.startsWith(base)) {
      refuseLink(target);
      return;
    }
    Path current = base;
    for (Path part : base.relativize(target)) {
      current = current.resolve(part);
      refuseLink(current);
    }
  }

  /** Refuses the files a replacement of {@code file} touches: itself, staged, backup. */
  public static void refuseLinksAround(Path root, Path file) throws IOException {
    refuseLinks(root, file);
    refuseLink(staged(file));
    refuseLink(backup(file));
  }

  private static void refuseLink(Path path) throws IOException {
    if (Files.isSymbolicLink(path)) {
      throw new FileSystemException(
          path.toString(),
          null,
          path
              + " is a symbolic link, which signet did not create and does not follow: remove it,"
              + " then run again");
    }
  }

  public static Path staged(Path file) {
    return file.resolveSibling(file.getFileName() + ".new");
  }

  public static Path backup(Path file) {
    return file.resolveSibling(file.getFileName() + ".bak");
  }

  private static void backUp(Path file, Set<PosixFilePermission> permissions) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    refuseLink(file);
    byte[] content = readWithoutFollowing(file);
    try {
      AtomicFiles.write(backup(file), content, permissions);
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /** Reads a file, failing (ELOOP) if it has become a link since it was checked. */
  private static byte[] readWithoutFollowing(Path file) throws IOException {
    try (SeekableByteChannel channel =
        Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(8192);
      while (channel.read(buffer) >= 0) {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      return out.toByteArray();
    }
  }

  private static void move(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.syncDirectory(to.toAbsolutePath().getParent());
  }
}
