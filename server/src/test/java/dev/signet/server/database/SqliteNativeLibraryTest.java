package dev.signet.server.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * The kept SQLite library: written once, owner-only, and refused if someone else owns it or could
 * write it; a symbolic link in its place is replaced, never followed.
 */
class SqliteNativeLibraryTest {
  private static final List<String> PROPERTIES =
      List.of(SqliteNativeLibrary.DIRECTORY_PROPERTY, "org.sqlite.lib.path", "org.sqlite.lib.name");

  @TempDir Path directory;

  @AfterEach
  void clearProperties() {
    PROPERTIES.forEach(System::clearProperty);
  }

  private Path library() throws Exception {
    return directory.resolve(
        "sqlite-jdbc-"
            + SQLiteJDBCLoader.getVersion()
            + "-"
            + LibraryLoaderUtil.getNativeLibName());
  }

  @Test
  void writesTheJarsLibraryOnceOwnerOnlyAndPointsTheDriverAtIt() throws Exception {
    Files.writeString(directory.resolve("sqlite-jdbc-3.0.0.0-libsqlitejdbc.so"), "older");
    System.setProperty(SqliteNativeLibrary.DIRECTORY_PROPERTY, directory.toString());
    SqliteNativeLibrary.useKeptCopy();

    Path library = library();
    try (var jar =
        SQLiteJDBCLoader.class.getResourceAsStream(
            LibraryLoaderUtil.getNativeLibResourcePath()
                + "/"
                + LibraryLoaderUtil.getNativeLibName())) {
      assertTrue(java.util.Arrays.equals(jar.readAllBytes(), Files.readAllBytes(library)));
    }
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(library)));
    assertEquals(directory.toString(), System.getProperty("org.sqlite.lib.path"));
    assertEquals(library.getFileName().toString(), System.getProperty("org.sqlite.lib.name"));
    try (Stream<Path> files = Files.list(directory)) {
      assertEquals(List.of(library), files.toList(), "the older version removed, no partial file");
    }

    System.clearProperty("org.sqlite.lib.path");
    long written = Files.getLastModifiedTime(library).toMillis();
    Files.setLastModifiedTime(
        library, java.nio.file.attribute.FileTime.fromMillis(written - 60_000));
    SqliteNativeLibrary.useKeptCopy();
    assertEquals(
        written - 60_000, Files.getLastModifiedTime(library).toMillis(), "kept, not rewritten");
    assertEquals(directory.toString(), System.getProperty("org.sqlite.lib.path"));
  }

  @Test
  void aLibraryOthersCouldWriteIsNotLoaded() throws Exception {
    Path library = Files.writeString(library(), "someone else's code");
    Files.setPosixFilePermissions(library, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertNotLoaded(library);
  }

  @Test
  void aLibraryAnotherUserOwnsIsNotLoaded() throws Exception {
    // giving a file away takes root, which the CI machine's tests run as
    assumeTrue("root".equals(System.getProperty("user.name")), "only root can give a file away");
    Path library = Files.writeString(library(), "someone else's code");
    Files.setPosixFilePermissions(library, PosixFilePermissions.fromString("rw-------"));
    Files.setOwner(
        library,
        library.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
    assertNotLoaded(library);
  }

  /**
   * The kept copy is refused: the driver extracts its own, and the planted file stays as it was.
   */
  private void assertNotLoaded(Path library) throws Exception {
    System.setProperty(SqliteNativeLibrary.DIRECTORY_PROPERTY, directory.toString());
    SqliteNativeLibrary.useKeptCopy();
    assertNull(System.getProperty("org.sqlite.lib.path"), "the driver extracts its own copy");
    assertEquals("someone else's code", Files.readString(library));
  }

  @Test
  void aSymbolicLinkInTheLibrarysPlaceIsReplacedNotFollowed() throws Exception {
    Path elsewhere = Files.writeString(directory.resolve("elsewhere.so"), "someone else's code");
    Files.createSymbolicLink(library(), elsewhere);
    System.setProperty(SqliteNativeLibrary.DIRECTORY_PROPERTY, directory.toString());
    SqliteNativeLibrary.useKeptCopy();
    assertTrue(Files.isRegularFile(library(), LinkOption.NOFOLLOW_LINKS), "a file of its own");
    assertEquals("someone else's code", Files.readString(elsewhere), "the link's target untouched");
    assertEquals(directory.toString(), System.getProperty("org.sqlite.lib.path"));
  }

  @Test
  void withoutTheLaunchersDirectoryTheDriverExtractsAsBefore() {
    SqliteNativeLibrary.useKeptCopy();
    assertNull(System.getProperty("org.sqlite.lib.path"));
    assertNull(System.getProperty("org.sqlite.lib.name"));
  }
}
