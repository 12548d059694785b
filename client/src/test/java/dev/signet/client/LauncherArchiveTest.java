package dev.signet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/jvm-launch.sh, the launchers' class-data-sharing archive, run on a jar of one class: the
 * first run writes the archive, later runs map it, an archive of another jar is ignored (the JVM
 * still runs, from the jar), a failed run leaves no archive behind, and a directory others may
 * write to is not used (an archive is code the JVM runs).
 */
class LauncherArchiveTest {
  /** The jar's main class: prints its arguments; its subcommand "fail" exits with 3. */
  public static final class Hello {
    private Hello() {}

    public static void main(String[] args) {
      System.out.println("hello " + String.join(" ", args));
      System.exit(args[0].equals("fail") ? 3 : 0);
    }
  }

  @TempDir Path directory;
  private Path launcher;
  private Path jar;
  private Path archives;

  @BeforeEach
  void jarOfOneClass() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("bin/jvm-launch.sh"))) {
      root = root.getParent();
    }
    launcher = root.resolve("bin/jvm-launch.sh");
    jar = directory.resolve("hello.jar");
    writeJar(jar);
    archives = directory.resolve("archives");
  }

  private static void writeJar(Path jar) throws IOException {
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Hello.class.getName());
    String entry = Hello.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file, manifest)) {
      out.putNextEntry(new JarEntry(entry));
      try (var in = Hello.class.getClassLoader().getResourceAsStream(entry)) {
        in.transferTo(out);
      }
      out.closeEntry();
    }
  }

  private record Run(int status, String output) {}

  /** Runs {@code launch_java hello JAR -Xlog:class+load -- ARGS} with the test's archive dir. */
  private Run launch(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", "-c"));
    command.add(
        "source \"$0\"; launch_java hello \"$1\" -Xlog:class+load=info:stdout -- \"${@:2}\"");
    command.add(launcher.toString());
    command.add(jar.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("SIGNET_CDS_DIR", archives.toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher did not end");
    return new Run(process.exitValue(), output);
  }

  private List<Path> archiveFiles() throws IOException {
    if (!Files.isDirectory(archives)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(archives)) {
      return files.sorted().toList();
    }
  }

  /** Where the JVM loaded the jar's class from, as -Xlog:class+load says. */
  private static String helloSource(String output) {
    return output
        .lines()
        .filter(line -> line.contains(" " + Hello.class.getName() + " source: "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no class+load line for Hello in:\n" + output));
  }

  @Test
  void theFirstRunWritesTheArchiveAndTheNextOnesMapIt() throws Exception {
    Run first = launch("run", "one");
    assertEquals(0, first.status(), first.output());
    assertTrue(first.output().contains("hello run one"), first.output());
    assertFalse(helloSource(first.output()).contains("shared objects file"), first.output());
    List<Path> written = archiveFiles();
    assertEquals(1, written.size(), written.toString());
    assertTrue(
        written.get(0).getFileName().toString().startsWith("hello-run-"), written.toString());
    assertTrue(written.get(0).getFileName().toString().endsWith(".jsa"), written.toString());

    Run second = launch("run", "one");
    assertEquals(0, second.status(), second.output());
    assertTrue(second.output().contains("hello run one"), second.output());
    assertTrue(helloSource(second.output()).contains("shared objects file (top)"), second.output());
    assertEquals(written, archiveFiles());
  }

  @Test
  void aRebuiltJarGetsAnArchiveOfItsOwnAndTheOldOneGoes() throws Exception {
    assertEquals(0, launch("run").status());
    List<Path> before = archiveFiles();
    writeJar(jar);
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));

    Run rebuilt = launch("run");
    assertEquals(0, rebuilt.status(), rebuilt.output());
    assertFalse(helloSource(rebuilt.output()).contains("shared objects file"), rebuilt.output());
    List<Path> after = archiveFiles();
    assertEquals(1, after.size(), after.toString());
    assertNotEquals(before, after);
    assertTrue(
        helloSource(launch("run").output()).contains("shared objects file (top)"),
        "the new archive is used");
  }

  @Test
  void anArchiveOfAnotherJarUnderTheExpectedNameIsIgnored() throws Exception {
    assertEquals(0, launch("run").status());
    byte[] ofHello = Files.readAllBytes(archiveFiles().get(0));
    jar = directory.resolve("other.jar");
    writeJar(jar);
    assertEquals(0, launch("run").status());
    Path expected = archiveFiles().get(0);
    Files.delete(expected);
    Files.write(expected, ofHello);

    Run stale = launch("run", "stale");
    assertEquals(0, stale.status(), stale.output());
    assertTrue(stale.output().contains("hello run stale"), stale.output());
    assertFalse(helloSource(stale.output()).contains("shared objects file"), stale.output());
  }

  @Test
  void aFailedRunLeavesNoArchive() throws Exception {
    Run failed = launch("fail");
    assertEquals(3, failed.status(), failed.output());
    assertTrue(failed.output().contains("hello fail"), failed.output());
    assertEquals(List.of(), archiveFiles());
  }

  @Test
  void aDirectoryOthersCanWriteToIsNotUsed() throws Exception {
    Files.createDirectories(archives);
    Files.setPosixFilePermissions(archives, PosixFilePermissions.fromString("rwxrwxrwx"));
    Run run = launch("run", "shared");
    assertEquals(0, run.status(), run.output());
    assertTrue(run.output().contains("hello run shared"), run.output());
    assertEquals(List.of(), archiveFiles());
  }

  @Test
  void anEmptyArchiveDirectorySettingTurnsArchivesOff() throws Exception {
    List<String> command =
        List.of(
            "bash",
            "-c",
            "source \"$0\"; launch_java hello \"$1\" -- run",
            launcher.toString(),
            jar.toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("SIGNET_CDS_DIR", "");
    builder.environment().put("HOME", directory.toString());
    builder.environment().put("XDG_CACHE_HOME", directory.resolve("cache").toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, process.exitValue(), output);
    assertFalse(Files.exists(directory.resolve("cache")), "no archive written anywhere");
  }
}
