package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves that {@link AtomicFiles#write} replaces a file's content, leaves it with exactly the
 * requested mode whatever mode the file had before, creates missing parent directories, and never
 * leaves its temporary file behind, whether the write succeeds or fails.
 */
class AtomicFilesTest {
  @TempDir Path directory;

  @Test
  void replacesTheContentOfAnExistingFile() throws IOException {
    Path target = directory.resolve("ca.crt");
    Files.writeString(target, "old content that is longer than the new one");

    AtomicFiles.write(target, bytes("new"), AtomicFiles.PUBLIC);

    assertEquals("new", Files.readString(target));
  }

  @Test
  void createsAFileThatDidNotExist() throws IOException {
    Path target = directory.resolve("apiserver.key");

    AtomicFiles.write(target, bytes("secret"), AtomicFiles.SECRET);

    assertEquals("secret", Files.readString(target));
    assertEquals(mode("rw-------"), Files.getPosixFilePermissions(target));
  }

  @Test
  void secretFileIsOwnerOnlyEvenWhenTheOldFileWasOpenToEveryone() throws IOException {
    Path target = directory.resolve("admin.conf");
    Files.writeString(target, "old");
    Files.setPosixFilePermissions(target, mode("rwxrwxrwx"));

    AtomicFiles.write(target, bytes("new"), AtomicFiles.SECRET);

    assertEquals(mode("rw-------"), Files.getPosixFilePermissions(target));
  }

  @Test
  void publicFileIsWorldReadableEvenWhenTheOldFileWasOwnerOnly() throws IOException {
    Path target = directory.resolve("ca.crt");
    Files.writeString(target, "old");
    Files.setPosixFilePermissions(target, mode("r--------"));

    AtomicFiles.write(target, bytes("new"), AtomicFiles.PUBLIC);

    assertEquals(mode("rw-r--r--"), Files.getPosixFilePermissions(target));
  }

  @Test
  void modeConstantsAreTheOnesKubeadmUses() {
    // kubernetes-profiles.md: keys and kubeconfigs 0600, certificates 0644.
    assertEquals(mode("rw-------"), AtomicFiles.SECRET);
    assertEquals(mode("rw-r--r--"), AtomicFiles.PUBLIC);
  }

  @Test
  void leavesNoTemporaryFileBehindAfterSuccess() throws IOException {
    Path target = directory.resolve("kubelet.crt");

    AtomicFiles.write(target, bytes("one"), AtomicFiles.PUBLIC);
    AtomicFiles.write(target, bytes("two"), AtomicFiles.PUBLIC);
    AtomicFiles.write(directory.resolve("kubelet.key"), bytes("k"), AtomicFiles.SECRET);

    assertEquals(List.of("kubelet.crt", "kubelet.key"), names(directory));
  }

  @Test
  void leavesNoTemporaryFileBehindWhenTheRenameFails() throws IOException {
    // A non-empty directory where the file should go: the final rename cannot replace it.
    Path target = directory.resolve("blocked");
    Files.createDirectories(target.resolve("inside"));

    assertThrows(
        IOException.class, () -> AtomicFiles.write(target, bytes("x"), AtomicFiles.PUBLIC));

    assertEquals(List.of("blocked"), names(directory));
    assertTrue(Files.isDirectory(target.resolve("inside")));
  }

  @Test
  void createsMissingParentDirectories() throws IOException {
    Path target = directory.resolve("etc/kubernetes/pki/etcd/server.crt");

    AtomicFiles.write(target, bytes("cert"), AtomicFiles.PUBLIC);

    assertEquals("cert", Files.readString(target));
  }

  @Test
  void writesBinaryContentExactly() throws IOException {
    byte[] content = new byte[70_000];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 31);
    }
    Path target = directory.resolve("blob.der");

    AtomicFiles.write(target, content, AtomicFiles.PUBLIC);

    assertArrayEquals(content, Files.readAllBytes(target));
  }

  @Test
  void writesAnEmptyFile() throws IOException {
    Path target = directory.resolve("empty");
    Files.writeString(target, "not empty");

    AtomicFiles.write(target, new byte[0], AtomicFiles.PUBLIC);

    assertEquals(0, Files.size(target));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Set<PosixFilePermission> mode(String text) {
    return PosixFilePermissions.fromString(text);
  }

  private static List<String> names(Path directory) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
