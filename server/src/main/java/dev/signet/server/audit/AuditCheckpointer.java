package dev.signet.server.audit;

import dev.signet.common.audit.CheckpointStatement;
import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.SigningException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Signs checkpoints of the audit chain with the audit key, which lives in the token and signs
 * nothing else. A hash chain alone shows edits to anyone who recomputes it, but someone able to
 * rewrite the database could recompute it too; the checkpoint signatures they cannot forge.
 *
 * <p>Checkpoints form their own chain (each numbered, naming its predecessor's hash): one at start,
 * one every interval while serving whether or not the trail grew (so that a missing recent one
 * shows), one on request, one at shutdown. This process also remembers what the database should
 * hold: the head its own newest write left, and the newest checkpoint it signed. When the database
 * has lost either (events cut and the head moved back, checkpoints removed), the next checkpoint is
 * signed over what this process knows instead, so verification then names the break.
 */
public final class AuditCheckpointer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AuditCheckpointer.class.getName());

  /** Two replicas may take the same number at once; the loser signs the next one. */
  private static final int ATTEMPTS = 5;

  private final AuditCheckpoints store;
  private final AuditKey key;
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

  /** The newest checkpoint this process signed or found; null before the first. */
  private volatile SignedCheckpoint newest;

  public AuditCheckpointer(AuditCheckpoints store, AuditKey key, Clock clock) {
    this.store = store;
    this.key = key;
    this.clock = clock;
  }

  public void start(Duration interval) {
    periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                checkpoint(CheckpointStatement.Kind.PERIODIC);
              } catch (LedgerException | SigningException | RuntimeException e) {
                LOG.warning("cannot sign an audit checkpoint: " + e.getMessage());
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /**
   * Signs and stores the next checkpoint of the chain's head. A requested one is not signed when
   * the newest checkpoint already covers the head: that one is returned.
   */
  public synchronized SignedCheckpoint checkpoint(CheckpointStatement.Kind kind)
      throws LedgerException, SigningException {
    for (int attempt = 1; ; attempt++) {
      AuditCheckpoints.Head head = claimedHead();
      SignedCheckpoint previous = predecessor();
      if (kind == CheckpointStatement.Kind.REQUESTED
          && previous != null
          && previous.statement().seq() == head.seq()
          && previous.statement().eventHash().equals(head.hash())) {
        return previous;
      }
      if (previous == null && head.seq() > 0 && kind == CheckpointStatement.Kind.START) {
        LOG.severe(
            "the ledger holds no audit checkpoint although its chain has "
                + head.seq()
                + " events: signing checkpoint 1 over them. Unless this ledger was just upgraded"
                + " from unchained checkpoints, its checkpoints were removed: verify it against a"
                + " witness (signetd audit verify --witness FILE)");
      }
      CheckpointStatement statement =
          new CheckpointStatement(
              previous == null ? 1 : previous.statement().number() + 1,
              head.seq(),
              head.hash(),
              previous == null ? "" : previous.statement().hash(),
              clock.instant(),
              kind);
      SignedCheckpoint checkpoint =
          new SignedCheckpoint(
              statement, key.keyId(), key.signatureAlgorithm(), key.sign(statement.bytes()));
      if (store.store(checkpoint)) {
        newest = checkpoint;
        LOG.info(
            () ->
                "signed audit checkpoint "
                    + statement.number()
                    + " ("
                    + kind.id()
                    + ") at event "
                    + statement.seq());
        return checkpoint;
      }
      if (attempt == ATTEMPTS) {
        throw new LedgerException.Unavailable(
            "checkpoint number " + statement.number() + " was taken " + ATTEMPTS + " times", null);
      }
    }
  }

  /**
   * The chain's head in the database, unless it has lost what this process wrote: then the head
   * this process's newest write left, which the database can no longer match.
   */
  private AuditCheckpoints.Head claimedHead() throws LedgerException {
    AuditCheckpoints.Head head = store.head();
    Optional<AuditCheckpoints.Head> written = store.committedHere();
    if (written.isEmpty()) {
      return head;
    }
    AuditCheckpoints.Head mine = written.get();
    if (mine.seq() <= head.seq()
        && store.eventHash(mine.seq()).filter(mine.hash()::equals).isPresent()) {
      return head;
    }
    LOG.severe(
        "the audit chain in the ledger has lost or changed events this daemon wrote: it wrote event "
            + mine.seq()
            + ", the chain's head is now event "
            + head.seq()
            + "; checkpointing event "
            + mine.seq()
            + " so that verification reports it");
    return mine;
  }

  /**
   * The database's newest checkpoint, unless it has lost the newest this process signed: then that
   * one, so that the next checkpoint leaves a gap where checkpoints were removed.
   */
  private SignedCheckpoint predecessor() throws LedgerException {
    Optional<SignedCheckpoint> stored = store.newest();
    SignedCheckpoint mine = newest;
    if (mine == null) {
      stored.ifPresent(found -> newest = found);
      return stored.orElse(null);
    }
    long number = mine.statement().number();
    boolean kept =
        stored.isPresent()
            && stored.get().statement().number() >= number
            && store
                .byNumber(number)
                .filter(found -> found.statement().equals(mine.statement()))
                .isPresent();
    if (kept) {
      return stored.get();
    }
    LOG.severe(
        "audit checkpoints were removed from the ledger: this daemon signed checkpoint "
            + number
            + ", the ledger's newest is "
            + stored.map(found -> Long.toString(found.statement().number())).orElse("none")
            + "; chaining the next one to checkpoint "
            + number
            + " so that verification reports the gap");
    return mine;
  }

  /**
   * The newest checkpoint this process signed or found: its number, event and time, for metrics
   * (the age of the newest checkpoint). Empty before the first.
   */
  public Optional<CheckpointStatement> newest() {
    return Optional.ofNullable(newest).map(SignedCheckpoint::statement);
  }

  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
  }
}
