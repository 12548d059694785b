package dev.signet.server.database;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * sqlite-jdbc's native library, kept in a directory the launcher vouches for instead of extracted
 * from the jar on every start. The driver writes the library to a new temporary file each time and
 * then compares it with the jar's copy byte by byte: about 0.1 s of CPU at every start of {@code
 * signetd serve} (A/B, first-tier JIT). The launcher names the directory (its class-data archive's,
 * which it checks belongs to this user and no one else can write to) in {@value
 * #DIRECTORY_PROPERTY}; without it, or if anything here fails, the driver extracts the library as
 * before. The file's name carries the driver's version, so an upgrade writes a new one; a file the
 * JVM cannot load makes the driver fall back to extracting too, and so does one that another user
 * owns or could write.
 */
final class SqliteNativeLibrary {
  static final String DIRECTORY_PROPERTY = "signet.native.dir";
  private static final Logger LOG = Logger.getLogger(SqliteNativeLibrary.class.getName());
  private static final String PREFIX = "sqlite-jdbc-";

  private SqliteNativeLibrary() {}

  /** Points the driver at the kept library, writing it first if needed. */
  static synchronized void useKeptCopy() {
    String directoryName = System.getProperty(DIRECTORY_PROPERTY, "");
    if (directoryName.isEmpty() || System.getProperty("org.sqlite.lib.path") != null) {
      return;
    }
    Path directory = Path.of(directoryName);
    String name =
        PREFIX + SQLiteJDBCLoader.getVersion() + "-" + LibraryLoaderUtil.getNativeLibName();
    Path library = directory.resolve(name);
    try {
      if (Files.isRegularFile(library, LinkOption.NOFOLLOW_LINKS)
          ? !ownedByThisUserAlone(library)
          : !write(directory, library)) {
        return;
      }
      System.setProperty("org.sqlite.lib.path", directory.toString());
      System.setProperty("org.sqlite.lib.name", name);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "the SQLite library is extracted from the jar: " + e, e);
    }
  }

  /**
   * Whether only this user can have written {@code library}: code loaded into the daemon that
   * someone else could replace would be theirs to run. What this class writes passes.
   */
  private static boolean ownedByThisUserAlone(Path library) throws IOException {
    Set<PosixFilePermission> permissions =
        Files.getPosixFilePermissions(library, LinkOption.NOFOLLOW_LINKS);
    return Files.getOwner(library, LinkOption.NOFOLLOW_LINKS)
            .getName()
            .equals(System.getProperty("user.name"))
        && !permissions.contains(PosixFilePermission.GROUP_WRITE)
        && !permissions.contains(PosixFilePermission.OTHERS_WRITE);
  }

  /** Writes the jar's library to {@code library} (atomically) and removes older versions. */
  private static boolean write(Path directory, Path library) throws IOException {
    String resource =
        LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
    try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        return false; // no library in the jar for this platform: the driver says what to do
      }
      Path partial = Files.createTempFile(directory, library.getFileName().toString(), ".partial");
      try {
        // into the file createTempFile made, which only its owner may read or write
        try (OutputStream out = Files.newOutputStream(partial)) {
          in.transferTo(out);
        }
        Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(partial);
      }
    }
    try (DirectoryStream<Path> older = Files.newDirectoryStream(directory, PREFIX + "*")) {
      for (Path file : older) {
        if (!file.equals(library) && !file.toString().endsWith(".partial")) {
          Files.deleteIfExists(file);
        }
      }
    }
    return true;
  }
}
