package dev.signet.client.files;

import dev.signet.client.SignetException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * One signet process at a time writes into an output directory: {@code signet renew} run by hand
 * while the agent renews would otherwise replace the same pairs through the same staged files. An
 * advisory lock on {@code DIR/.signet/lock}, held while files are written and released when the
 * process ends, however it ends.
 */
public final class DirectoryLock implements AutoCloseable {
  public static final String FILE = ".signet/lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code root}, waiting for another process that holds it; {@code waiting}
   * hears about the wait.
   */
  public static DirectoryLock acquire(Path root, Consumer<String> waiting) {
    Path file = root.resolve(FILE);
    FileChannel channel = null;
    try {
      SafeFiles.refuseLinks(root, file);
      Files.createDirectories(file.getParent());
      // never through a link planted there (it would create or open a file elsewhere)
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        waiting.accept(
            "waiting for another signet process writing into " + root + " (it holds " + file + ")");
        lock = channel.lock();
      }
      return new DirectoryLock(channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw SignetException.output(file, e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException e) {
      // the channel's close releases it too
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // nothing held any more
      }
    }
  }
}
