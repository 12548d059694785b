package dev.signet.server.serviceaccount;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.database.LedgerException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Logger;

/**
 * Counts every Sign call and audits them in aggregate: token issuance is high-volume (every pod
 * start, every kubelet refresh), so the trail gets one event per key and one per refusal reason per
 * interval, with the count, instead of one per token. A flush that cannot reach the ledger keeps
 * its counts for the next one.
 */
public final class SigningActivity implements SigningCounters, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SigningActivity.class.getName());

  /** Who signs, in the audit trail: whoever reached the socket, which is kube-apiserver. */
  static final String CALLER = "service-account-socket";

  private final AuditLog audit;
  private final Clock clock;
  private final Map<String, LongAdder> signedByKey = new ConcurrentHashMap<>();
  private final Map<SigningRefused.Reason, LongAdder> refusedByReason =
      new EnumMap<>(SigningRefused.Reason.class);
  private final LongAdder signedTotal = new LongAdder();
  private final Map<SigningRefused.Reason, LongAdder> refusedTotal =
      new EnumMap<>(SigningRefused.Reason.class);
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-sa-audit");
            thread.setDaemon(true);
            return thread;
          });
  private Instant intervalStart;
  private ScheduledFuture<?> periodic;

  public SigningActivity(AuditLog audit, Clock clock) {
    this.audit = audit;
    this.clock = clock;
    this.intervalStart = clock.instant();
    for (SigningRefused.Reason reason : SigningRefused.Reason.values()) {
      refusedByReason.put(reason, new LongAdder());
      refusedTotal.put(reason, new LongAdder());
    }
  }

  /** Audits what happened every {@code interval}. */
  public void start(Duration interval) {
    periodic =
        scheduler.scheduleWithFixedDelay(
            this::flush, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  void countSigned(String keyId) {
    signedByKey.computeIfAbsent(keyId, id -> new LongAdder()).increment();
    signedTotal.increment();
  }

  void countRefused(SigningRefused.Reason reason) {
    refusedByReason.get(reason).increment();
    refusedTotal.get(reason).increment();
  }

  @Override
  public long signed() {
    return signedTotal.sum();
  }

  @Override
  public long refused(SigningRefused.Reason reason) {
    return refusedTotal.get(reason).sum();
  }

  /**
   * Writes the interval's counts to the audit trail: one APPROVED event per key that signed, one
   * REJECTED or FAILED event per refusal reason; nothing when nothing happened.
   */
  public synchronized void flush() {
    Instant end = clock.instant();
    String window = " between " + intervalStart + " and " + end;
    Map<String, Long> signed = new TreeMap<>();
    signedByKey.forEach((keyId, count) -> signed.put(keyId, count.sumThenReset()));
    Map<SigningRefused.Reason, Long> refused = new EnumMap<>(SigningRefused.Reason.class);
    refusedByReason.forEach((reason, count) -> refused.put(reason, count.sumThenReset()));
    boolean written = true;
    for (Map.Entry<String, Long> entry : signed.entrySet()) {
      if (entry.getValue() > 0) {
        written &=
            write(
                end,
                AuditEvent.Decision.APPROVED,
                "TOKENS_SIGNED",
                entry.getValue()
                    + " service-account tokens signed with kid "
                    + entry.getKey()
                    + window,
                () ->
                    signedByKey
                        .computeIfAbsent(entry.getKey(), id -> new LongAdder())
                        .add(entry.getValue()));
      }
    }
    for (Map.Entry<SigningRefused.Reason, Long> entry : refused.entrySet()) {
      if (entry.getValue() > 0) {
        SigningRefused.Reason reason = entry.getKey();
        written &=
            write(
                end,
                reason == SigningRefused.Reason.INVALID_CLAIMS
                        || reason == SigningRefused.Reason.RATE_LIMITED
                    ? AuditEvent.Decision.REJECTED
                    : AuditEvent.Decision.FAILED,
                reason.name(),
                entry.getValue() + " Sign calls refused (" + reason.name() + ")" + window,
                () -> refusedByReason.get(reason).add(entry.getValue()));
      }
    }
    if (written) {
      intervalStart = end;
    }
  }

  private boolean write(
      Instant at, AuditEvent.Decision decision, String reason, String detail, Runnable putBack) {
    try {
      audit.record(
          new AuditEvent(at, CALLER, "", "sa-sign", "", "", decision, reason, detail, "", "", ""));
      LOG.info(detail);
      return true;
    } catch (LedgerException e) {
      putBack.run();
      LOG.warning("cannot audit service-account signatures now, kept for later: " + e.getMessage());
      return false;
    }
  }

  /** Audits what is left and stops. */
  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
    flush();
  }
}
