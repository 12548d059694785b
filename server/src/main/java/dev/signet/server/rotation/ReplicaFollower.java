package dev.signet.server.rotation;

import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.TokenException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Adopts the rotation steps other replicas record: re-reads the recorded generations every interval
 * and adopts them when they changed.
 */
public final class ReplicaFollower implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ReplicaFollower.class.getName());

  /** Reads the record and adopts it if it changed; says whether it did. */
  public interface Refresh {
    boolean adoptIfChanged() throws LedgerException, TokenException;
  }

  private final String what;
  private final Refresh refresh;
  private final ScheduledExecutorService scheduler;
  private ScheduledFuture<?> periodic;

  /** {@code what} names the rotated keys in the log and the thread's name. */
  public ReplicaFollower(String what, Refresh refresh) {
    this.what = what;
    this.refresh = refresh;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "signet-follow-" + what.replace(' ', '-'));
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Checks for other replicas' steps every {@code interval}. */
  public synchronized void start(Duration interval) {
    periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                if (refresh.adoptIfChanged()) {
                  LOG.info("adopted a " + what + " rotation step made by another replica");
                }
              } catch (LedgerException | TokenException | RuntimeException e) {
                LOG.warning("cannot refresh the " + what + " generations: " + e.getMessage());
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
  }
}
