package dev.signet.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Writes files so that a reader, or a crash at any instant, sees either the old content or the new,
 * never a mix: a temporary file in the same directory, created with its final permissions before
 * the first byte, fsync'd, renamed over the target, then the directory fsync'd so that the rename
 * itself survives a power cut (the conventions of kubeadm and SPIRE's diskutil).
 */
public final class AtomicFiles {
  /** Private keys and files embedding them (kubeconfigs): owner read/write only. */
  public static final Set<PosixFilePermission> SECRET =
      PosixFilePermissions.fromString("rw-------");

  /** Certificates and other public files. */
  public static final Set<PosixFilePermission> PUBLIC =
      PosixFilePermissions.fromString("rw-r--r--");

  private static final SecureRandom RANDOM = new SecureRandom();

  private AtomicFiles() {}

  /** Replaces {@code target} with {@code content}; creates missing parent directories. */
  public static void write(Path target, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    Path directory = target.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path temporary = createTemporary(directory, target.getFileName().toString(), permissions);
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically on this file system", e);
      }
      syncDirectory(directory);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /** Flushes a directory's entries (renames, new files) to stable storage. */
  public static void syncDirectory(Path directory) throws IOException {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static Path createTemporary(
      Path directory, String name, Set<PosixFilePermission> permissions) throws IOException {
    while (true) {
      byte[] suffix = new byte[6];
      RANDOM.nextBytes(suffix);
      Path candidate = directory.resolve("." + name + ".tmp-" + HexFormat.of().formatHex(suffix));
      try {
        // Created with its final mode in one call, so the file is never readable by others, not
        // even for a moment; the explicit set afterwards undoes what a umask took away, while
        // the file is still empty.
        Path created =
            Files.createFile(candidate, PosixFilePermissions.asFileAttribute(permissions));
        Files.setPosixFilePermissions(created, permissions);
        return created;
      } catch (FileAlreadyExistsException taken) {
        // another writer picked the same name; draw again
      }
    }
  }
}
