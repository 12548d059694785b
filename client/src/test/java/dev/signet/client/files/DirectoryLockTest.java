package dev.signet.client.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process at a time in a directory: another one waits, and says so. */
class DirectoryLockTest {
  @TempDir Path root;

  /** The other process: takes the lock, says so, holds it for a while, exits. */
  public static void main(String[] args) throws Exception {
    try (DirectoryLock lock = DirectoryLock.acquire(Path.of(args[0]), line -> {})) {
      System.out.println("locked");
      System.out.flush();
      Thread.sleep(1500);
    }
  }

  @Test
  void aSecondProcessWaitsUntilTheFirstIsDone() throws Exception {
    Process other =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                DirectoryLockTest.class.getName(),
                root.toString())
            .redirectErrorStream(true)
            .start();
    BufferedReader output =
        new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("locked", output.readLine());
    List<String> waited = new ArrayList<>();

    long started = System.nanoTime();
    try (DirectoryLock lock = DirectoryLock.acquire(root, waited::add)) {
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(millis > 500, "waited for the other process: " + millis + " ms");
      assertEquals(
          List.of(
              "waiting for another signet process writing into "
                  + root
                  + " (it holds "
                  + root.resolve(".signet/lock")
                  + ")"),
          waited);
    }
    assertTrue(other.waitFor(60, TimeUnit.SECONDS));
    try (DirectoryLock again = DirectoryLock.acquire(root, waited::add)) {
      assertEquals(1, waited.size(), "free again: no wait");
    }
  }

  @Test
  void aLinkPlantedAsTheLockFileIsNotFollowed() throws Exception {
    Path target = root.getParent().resolve("cron-job-" + System.nanoTime());
    Files.createDirectories(root.resolve(".signet"));
    Files.createSymbolicLink(root.resolve(DirectoryLock.FILE), target);

    dev.signet.client.SignetException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.signet.client.SignetException.class,
            () -> DirectoryLock.acquire(root, message -> {}));

    assertTrue(refused.getMessage().contains("is a symbolic link"), refused.getMessage());
    assertTrue(!Files.exists(target), "nothing created through the link");
  }
}
