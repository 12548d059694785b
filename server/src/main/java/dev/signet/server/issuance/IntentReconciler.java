package dev.signet.server.issuance;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CertificateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Settles intents whose outcome nobody will report: the daemon that recorded them crashed between
 * recording and storing the certificate, or lost its ledger in between. Such a certificate may
 * exist (the token may have signed it), so it becomes POSSIBLY_ISSUED and revoked: on the CRL, its
 * serial never reused, its request id free for the client's retry.
 *
 * <p>At start-up, before serving, a daemon with an exclusive ledger (the embedded one) settles
 * every intent, since no one else can be mid-issuance; with a shared ledger only intents older than
 * the window, which no live replica can still be working on (a call lasts at most
 * limits.maxCallDuration). The same check then runs periodically.
 */
public final class IntentReconciler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(IntentReconciler.class.getName());

  private final CertificateStore certificates;
  private final Clock clock;
  private final Duration window;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-reconcile");
            thread.setDaemon(true);
            return thread;
          });

  /** The periodic pass; null until {@link #start}. */
  private ScheduledFuture<?> periodic;

  public IntentReconciler(CertificateStore certificates, Clock clock, Duration window) {
    this.certificates = certificates;
    this.clock = clock;
    this.window = window;
  }

  /** The start-up pass; returns the serials settled. */
  public List<String> reconcileAtStart(boolean exclusiveLedger) throws LedgerException {
    Instant now = clock.instant();
    return reconcile(exclusiveLedger ? now : now.minus(window), now);
  }

  /**
   * Repeats the windowed pass every {@code period}; {@code afterSettling} runs whenever it settled
   * something (to republish the CRLs).
   */
  public void start(Duration period, Runnable afterSettling) {
    periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                Instant now = clock.instant();
                if (!reconcile(now.minus(window), now).isEmpty()) {
                  afterSettling.run();
                }
              } catch (LedgerException e) {
                LOG.warning("cannot reconcile intents: " + e.getMessage());
              }
            },
            period.toMillis(),
            period.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private List<String> reconcile(Instant olderThan, Instant now) throws LedgerException {
    List<String> serials =
        certificates.reconcileIntents(
            olderThan,
            now,
            serial ->
                new AuditEvent(
                    now,
                    "signetd",
                    "",
                    "reconcile",
                    "",
                    "",
                    AuditEvent.Decision.FAILED,
                    "POSSIBLY_ISSUED",
                    "an intent left by a crash: the certificate may exist, so it is revoked and its serial retired",
                    serial,
                    "",
                    ""));
    if (!serials.isEmpty()) {
      LOG.warning(
          "settled "
              + serials.size()
              + " interrupted issuances as possibly issued (and revoked): "
              + serials);
    }
    return serials;
  }

  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
  }
}
