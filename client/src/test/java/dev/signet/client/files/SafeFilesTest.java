package dev.signet.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pair replacement under a crash at every step: a reader never sees a half-written file, a
 * mismatched pair is only ever the repairable one, and {@link SafeFiles#recover} always ends with
 * the old pair or the new one, nothing left over.
 */
class SafeFilesTest {
  @TempDir Path directory;

  private static final class Crash extends IOException {
    Crash(String step) {
      super("crash after: " + step);
    }
  }

  @ParameterizedTest(name = "crash after {0}")
  @ValueSource(
      strings = {
        "key staged",
        "certificate staged",
        "backups written",
        "key replaced",
        "certificate replaced"
      })
  void aCrashAtAnyStepIsRepairedToTheOldOrTheNewPair(String step) throws Exception {
    Path certificate = directory.resolve("apiserver.crt");
    Path key = directory.resolve("apiserver.key");
    SelfSigned old = SelfSigned.create("old");
    SelfSigned fresh = SelfSigned.create("new");
    SafeFiles.replacePair(
        certificate, old.certificatePem(), key, old.keyPem(), SafeFiles.NO_CHECKPOINTS);

    assertThrows(
        Crash.class,
        () ->
            SafeFiles.replacePair(
                certificate,
                fresh.certificatePem(),
                key,
                fresh.keyPem(),
                reached -> {
                  if (reached.equals(step)) {
                    throw new Crash(reached);
                  }
                }));

    // What a reader sees right after the crash: whole files, old or new.
    byte[] liveCertificate = Files.readAllBytes(certificate);
    byte[] liveKey = Files.readAllBytes(key);
    assertTrue(
        Arrays.equals(liveCertificate, old.certificatePem())
            || Arrays.equals(liveCertificate, fresh.certificatePem()));
    assertTrue(Arrays.equals(liveKey, old.keyPem()) || Arrays.equals(liveKey, fresh.keyPem()));
    if (!Certificates.pairMatches(certificate, key)) {
      assertEquals("key replaced", step, "the only instant a pair can mismatch");
      assertTrue(
          Certificates.pairMatches(SafeFiles.staged(certificate), key),
          "and then the staged certificate repairs it");
    }

    List<String> done = SafeFiles.recover(certificate, key);

    assertTrue(Certificates.pairMatches(certificate, key), "consistent after recovery: " + done);
    boolean expectNew = !step.equals("key staged");
    assertArrayEquals(
        expectNew ? fresh.certificatePem() : old.certificatePem(),
        Files.readAllBytes(certificate),
        done.toString());
    assertEquals(
        Set.of("apiserver.crt", "apiserver.key", "apiserver.crt.bak", "apiserver.key.bak").stream()
            .filter(f -> !f.endsWith(".bak") || !step.equals("key staged"))
            .collect(Collectors.toCollection(TreeSet::new)),
        files(),
        "nothing staged or temporary is left");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertEquals(
        "rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(certificate)));
    assertTrue(
        SafeFiles.recover(certificate, key).isEmpty(), "a second recovery has nothing to do");
  }

  @Test
  void aReplacementKeepsThePreviousPairAsBackupWithItsModes() throws Exception {
    Path certificate = directory.resolve("peer.crt");
    Path key = directory.resolve("peer.key");
    SelfSigned first = SelfSigned.create("first");
    SelfSigned second = SelfSigned.create("second");
    SafeFiles.replacePair(
        certificate, first.certificatePem(), key, first.keyPem(), SafeFiles.NO_CHECKPOINTS);
    assertEquals(Set.of("peer.crt", "peer.key"), files(), "no backup of nothing");

    SafeFiles.replacePair(
        certificate, second.certificatePem(), key, second.keyPem(), SafeFiles.NO_CHECKPOINTS);

    assertArrayEquals(second.keyPem(), Files.readAllBytes(key));
    assertArrayEquals(first.keyPem(), Files.readAllBytes(SafeFiles.backup(key)));
    assertArrayEquals(first.certificatePem(), Files.readAllBytes(SafeFiles.backup(certificate)));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(SafeFiles.backup(key))));
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(SafeFiles.backup(certificate))));
  }

  @Test
  void aReplacementDroppingThePreviousPairNeverWritesItAnywhere() throws Exception {
    Path certificate = directory.resolve("client.crt");
    Path key = directory.resolve("client.key");
    SelfSigned first = SelfSigned.create("first");
    SelfSigned second = SelfSigned.create("second");
    SafeFiles.replacePair(
        certificate, first.certificatePem(), key, first.keyPem(), SafeFiles.NO_CHECKPOINTS);
    List<Set<String>> seen = new ArrayList<>();

    SafeFiles.replacePair(
        certificate,
        second.certificatePem(),
        key,
        second.keyPem(),
        SafeFiles.Previous.DROPPED,
        reached -> seen.add(files()));

    assertEquals(5, seen.size(), "every step reached");
    assertTrue(
        seen.stream().noneMatch(names -> names.stream().anyMatch(name -> name.endsWith(".bak"))),
        "no backup at any step: " + seen);
    assertEquals(Set.of("client.crt", "client.key"), files());
    assertArrayEquals(second.keyPem(), Files.readAllBytes(key));
    assertArrayEquals(second.certificatePem(), Files.readAllBytes(certificate));
  }

  @Test
  void recoveryRemovesWhatAKilledWriterLeftAndAStagedHalfThatDoesNotMatch() throws Exception {
    Path certificate = directory.resolve("admin.crt");
    Path key = directory.resolve("admin.key");
    SelfSigned current = SelfSigned.create("current");
    SafeFiles.replacePair(
        certificate, current.certificatePem(), key, current.keyPem(), SafeFiles.NO_CHECKPOINTS);
    Files.writeString(directory.resolve(".admin.key.new.tmp-0a1b2c3d4e5f"), "half a key");
    Files.writeString(directory.resolve(".admin.crt.tmp-0a1b2c3d4e5f"), "half a certificate");
    Files.write(SafeFiles.staged(certificate), SelfSigned.create("stray").certificatePem());

    List<String> done = SafeFiles.recover(certificate, key);

    assertEquals(3, done.size(), done.toString());
    assertEquals(Set.of("admin.crt", "admin.key"), files());
    assertArrayEquals(
        current.certificatePem(), Files.readAllBytes(certificate), "the live pair is untouched");
  }

  @Test
  void aSingleFileIsReplacedWithABackup() throws Exception {
    Path kubeconfig = directory.resolve("admin.conf");
    SafeFiles.replace(
        kubeconfig, "first".getBytes(StandardCharsets.UTF_8), dev.signet.common.AtomicFiles.SECRET);
    SafeFiles.replace(
        kubeconfig,
        "second".getBytes(StandardCharsets.UTF_8),
        dev.signet.common.AtomicFiles.SECRET);

    assertEquals("second", Files.readString(kubeconfig));
    assertEquals("first", Files.readString(SafeFiles.backup(kubeconfig)));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(SafeFiles.backup(kubeconfig))));
    assertFalse(files().stream().anyMatch(f -> f.contains(".tmp-")));
  }

  private Set<String> files() throws IOException {
    try (Stream<Path> list = Files.list(directory)) {
      return list.map(p -> p.getFileName().toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void aLinkPlantedOverACertificateIsNeitherReadNorBackedUp() throws Exception {
    Path secret = Files.createTempFile(directory.getParent(), "shadow", "");
    Files.writeString(secret, "root:$6$secret-hash:19000:0:99999:7:::\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Path certificate = directory.resolve("apiserver.crt");
    Path key = directory.resolve("apiserver.key");
    Files.createSymbolicLink(certificate, secret);
    SelfSigned fresh = SelfSigned.create("new");

    IOException refused =
        assertThrows(
            IOException.class,
            () ->
                SafeFiles.replacePair(
                    certificate,
                    fresh.certificatePem(),
                    key,
                    fresh.keyPem(),
                    SafeFiles.NO_CHECKPOINTS));

    assertTrue(refused.getMessage().contains("is a symbolic link"), refused.getMessage());
    assertFalse(Files.exists(SafeFiles.backup(certificate)), "the secret was not copied");
    assertTrue(Files.isSymbolicLink(certificate), "the link was left for the user to look at");
  }

  @Test
  void refuseLinksLooksAtEveryDirectoryBelowTheRootAndNotAtTheRoot() throws Exception {
    Path elsewhere = Files.createTempDirectory(directory.getParent(), "elsewhere");
    Path root = directory.resolve("root-link");
    Files.createSymbolicLink(root, directory.resolve("real"));
    Files.createDirectories(directory.resolve("real"));
    Files.createSymbolicLink(directory.resolve("real/pki"), elsewhere);

    SafeFiles.refuseLinks(root, root.resolve("kubelet.conf"));
    IOException refused =
        assertThrows(
            IOException.class, () -> SafeFiles.refuseLinks(root, root.resolve("pki/ca.crt")));
    assertTrue(refused.getMessage().contains("pki is a symbolic link"), refused.getMessage());
    Files.createSymbolicLink(directory.resolve("real/ca.crt.bak"), elsewhere.resolve("x"));
    assertThrows(
        IOException.class, () -> SafeFiles.refuseLinksAround(root, root.resolve("ca.crt")));
  }
}
