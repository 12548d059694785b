package dev.signet.client.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches certificate files in the background while a test does other things, checking each change
 * as {@link Renewals} checks a renewal the moment it is seen (before the next one can replace the
 * {@code .bak} it compares with). The first failed check is kept and thrown by {@link #await}.
 */
public final class RenewalWatch implements AutoCloseable {
  private final List<Generations> pairs = new ArrayList<>();
  private final List<Generations> credentials = new ArrayList<>();
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          new ThreadFactoryBuilder().setNameFormat("renewal-watch").setDaemon(true).build());
  private Throwable failure;

  /**
   * Watches {@code pairs} (each NAME.crt with its NAME.key, the previous pair kept as .bak) and
   * {@code credentials} (Signet API credentials, whose previous pair is not kept).
   */
  public RenewalWatch(List<Path> pairs, List<Path> credentials) throws Exception {
    for (Path pair : pairs) {
      this.pairs.add(new Generations(pair));
    }
    for (Path credential : credentials) {
      this.credentials.add(new Generations(credential));
    }
    // poll() keeps its own failure, so the future only ever ends by close()
    var unused = poller.scheduleWithFixedDelay(this::poll, 250, 250, TimeUnit.MILLISECONDS);
  }

  private synchronized void poll() {
    if (failure != null) {
      return;
    }
    try {
      for (Generations pair : pairs) {
        if (pair.poll().isPresent()) {
          Renewals.assertRenewedPair(pair);
        }
      }
      for (Generations credential : credentials) {
        if (credential.poll().isPresent()) {
          Renewals.assertRenewedCredential(credential);
        }
      }
    } catch (Throwable e) {
      failure = e;
    }
  }

  /**
   * Waits until every pair has changed at least {@code pairChanges} times and every credential
   * {@code credentialChanges} times, each change a renewal; fails at {@code timeout} or at the
   * first change that was not one.
   */
  public void await(int pairChanges, int credentialChanges, Duration timeout) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      synchronized (this) {
        if (failure != null) {
          throw new AssertionError("a change that was not a renewal", failure);
        }
        if (pairs.stream().allMatch(g -> g.changes() >= pairChanges)
            && credentials.stream().allMatch(g -> g.changes() >= credentialChanges)) {
          return;
        }
        assertTrue(Instant.now().isBefore(deadline), "renewals so far: " + this);
      }
      Thread.sleep(250);
    }
  }

  @Override
  public synchronized String toString() {
    return "pairs "
        + pairs.stream().map(Generations::changes).toList()
        + ", credentials "
        + credentials.stream().map(Generations::changes).toList();
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
