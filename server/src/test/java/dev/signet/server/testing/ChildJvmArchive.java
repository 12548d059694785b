package dev.signet.server.testing;

import dev.signet.server.cli.Signetd;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * How a child JVM that runs signetd is started: from the shipped jar, with a class-data-sharing
 * (AppCDS) archive, as bin/signetd starts it (see bin/jvm-launch.sh). The first child of a
 * subcommand writes the archive of the classes it loaded when it exits; later children of that
 * subcommand map it instead of loading and verifying those classes again. Dozens of daemons start
 * in one build: the jar (no signature checks of BouncyCastle's signed jars) and the archive take
 * about a third off each start's CPU, which is what a busy machine lacks.
 *
 * <p>The build names the jar and the archives' directory in the system properties {@code
 * signet.test.signetdJar} and {@code signet.test.childCdsDir}. Without them (benchmarks, an IDE),
 * or before the jar is built, children run from this JVM's class path with no archive. A child
 * killed before it exits writes none, and the next child of its subcommand tries again. An archive
 * that does not match the JVM or the jar is ignored by the JVM ({@code -Xshare:auto}), never an
 * error.
 */
final class ChildJvmArchive {
  private static final String JAR = System.getProperty("signet.test.signetdJar", "");
  private static final String DIRECTORY = System.getProperty("signet.test.childCdsDir", "");
  private static final Set<String> BEING_WRITTEN = ConcurrentHashMap.newKeySet();
  private static final Set<Process> WRITERS = ConcurrentHashMap.newKeySet();

  /**
   * How much longer a child that writes an archive may take to exit: writing 30 MB of class data
   * takes about 2 s of CPU, and many times that in wall time on a machine busy with other tests.
   */
  static final Duration WRITING_TIME = Duration.ofMinutes(2);

  private final String subcommand;
  private final List<String> options;
  private final Path archive;
  private final Path partial; // null unless this child writes the archive

  private ChildJvmArchive(String subcommand, List<String> options, Path archive, Path partial) {
    this.subcommand = subcommand;
    this.options = options;
    this.archive = archive;
    this.partial = partial;
  }

  /** Where children's archives (and their kept native libraries) go, if the build says. */
  static Optional<Path> directory() {
    return currentJar().filter(jar -> !DIRECTORY.isEmpty()).map(jar -> Path.of(DIRECTORY));
  }

  /** The shipped jar, if the build names one built from the classes this JVM runs. */
  private static Optional<Path> currentJar() {
    return JAR.isEmpty()
        ? Optional.empty()
        : Optional.of(Path.of(JAR)).filter(ChildJvmArchive::isCurrent);
  }

  /** For a child that runs some other main class: this JVM's class path, no archive. */
  static ChildJvmArchive none() {
    return new ChildJvmArchive(
        "", List.of("-cp", System.getProperty("java.class.path")), null, null);
  }

  /**
   * For the next child that runs signetd {@code subcommand}: its class path and archive options.
   */
  static ChildJvmArchive forSignetd(String subcommand) {
    Optional<Path> current = currentJar();
    if (current.isEmpty()) {
      return none();
    }
    Path jar = current.get();
    List<String> options = new ArrayList<>(List.of("-cp", JAR));
    if (DIRECTORY.isEmpty() || !subcommand.matches("[a-z][a-z0-9-]{0,40}")) {
      return new ChildJvmArchive(subcommand, options, null, null);
    }
    // one archive per jar build: a rebuilt jar gets a new one
    File file = jar.toFile();
    String key = Integer.toHexString(Objects.hash(JAR, file.length(), file.lastModified()));
    Path archive = Path.of(DIRECTORY, "signetd-" + subcommand + "-" + key + ".jsa");
    // a mismatched or missing archive is not an error, and must not mix with the child's output;
    // the directory keeps the SQLite driver's native library too, as bin/jvm-launch.sh's does
    options.addAll(
        List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-Dsignet.native.dir=" + DIRECTORY));
    Path partial = null;
    if (Files.isRegularFile(archive)) {
      options.add("-XX:SharedArchiveFile=" + archive);
    } else if (BEING_WRITTEN.add(subcommand)) {
      partial = Path.of(archive + "." + ProcessHandle.current().pid() + ".partial");
      options.add("-XX:ArchiveClassesAtExit=" + partial);
    }
    return new ChildJvmArchive(subcommand, options, archive, partial);
  }

  /**
   * Whether {@code jar} was built from the classes this JVM runs: not older than signetd's main
   * class here (a jar left from an earlier build would test old code).
   */
  private static boolean isCurrent(Path jar) {
    try {
      Path source =
          Path.of(Signetd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path main =
          Files.isDirectory(source)
              ? source.resolve(Signetd.class.getName().replace('.', '/') + ".class")
              : source;
      return Files.isRegularFile(jar)
          && Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(main)) >= 0;
    } catch (IOException | URISyntaxException | RuntimeException e) {
      return false;
    }
  }

  /** Archives of earlier builds of the jar, about 30 MB each, which no child will map again. */
  private void removeOlderArchives() throws IOException {
    String prefix = "signetd-" + subcommand + "-";
    try (Stream<Path> files = Files.list(archive.getParent())) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (name.startsWith(prefix) && name.endsWith(".jsa") && !file.equals(archive)) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  /** Whether {@code child} writes an archive when it exits (see {@link #WRITING_TIME}). */
  static boolean isWriting(Process child) {
    return WRITERS.contains(child);
  }

  /** The class path and archive options, to put before the main class. */
  List<String> options() {
    return options;
  }

  /**
   * Once {@code child} ends: the archive it wrote, if any, becomes the archive of its subcommand (a
   * rename, so that no child maps a half-written file).
   */
  void started(Process child) {
    if (partial == null) {
      return;
    }
    WRITERS.add(child);
    var unused =
        child
            .onExit()
            .thenRun(
                () -> {
                  try {
                    // 0: a command that finished; 143: a daemon stopped by SIGTERM, after its
                    // clean exit (the archive is written then)
                    int status = child.exitValue();
                    if ((status == 0 || status == 143) && Files.size(partial) > 0) {
                      Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
                      removeOlderArchives();
                    } else {
                      Files.deleteIfExists(partial);
                    }
                  } catch (IOException e) {
                    // no archive this time; a stray partial file in target/ is harmless
                  } finally {
                    BEING_WRITTEN.remove(subcommand);
                    WRITERS.remove(child);
                  }
                });
  }
}
