package dev.signet.server.audit;

import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.x509.X509;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Signs checkpoints of the audit chain's head with the audit key, which lives in the token and
 * signs nothing else. A hash chain alone shows edits to anyone who recomputes it, but someone able
 * to rewrite the database could recompute it too; the checkpoint signatures they cannot forge.
 * Checkpoints are signed periodically when the chain has grown, and on demand.
 */
public final class AuditCheckpointer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AuditCheckpointer.class.getName());

  private final AuditCheckpoints checkpoints;
  private final SigningKey key;
  private final String keyId;
  private final Clock clock;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-audit-checkpoint");
            thread.setDaemon(true);
            return thread;
          });

  /** The periodic checkpoints; null until {@link #start}. */
  private ScheduledFuture<?> periodic;

  public AuditCheckpointer(
      AuditCheckpoints checkpoints, SigningKey key, X509Certificate certificate, Clock clock) {
    this.checkpoints = checkpoints;
    this.key = key;
    this.keyId = X509.hex(X509.subjectKeyIdentifier(certificate));
    this.clock = clock;
  }

  public void start(Duration interval) {
    periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                checkpoint();
              } catch (LedgerException | SigningException | RuntimeException e) {
                LOG.warning("cannot sign an audit checkpoint: " + e.getMessage());
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Signs a checkpoint of the current head, unless the newest checkpoint already covers it. */
  public AuditCheckpoints.Checkpoint checkpoint() throws LedgerException, SigningException {
    AuditCheckpoints.Head head = checkpoints.head();
    Optional<AuditCheckpoints.Checkpoint> latest = checkpoints.latest();
    if (latest.isPresent() && latest.get().seq() >= head.seq()) {
      return latest.get();
    }
    Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    AuditCheckpoints.Checkpoint checkpoint =
        new AuditCheckpoints.Checkpoint(
            head.seq(),
            head.hash(),
            at,
            keyId,
            key.sign(AuditCheckpoints.Checkpoint.signedBytes(head.seq(), head.hash(), at)));
    if (checkpoints.store(checkpoint)) {
      LOG.info(() -> "signed audit checkpoint at event " + head.seq());
      return checkpoint;
    }
    return checkpoints.latest().orElse(checkpoint);
  }

  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
  }
}
