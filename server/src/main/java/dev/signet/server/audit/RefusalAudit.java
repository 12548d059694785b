package dev.signet.server.audit;

import dev.signet.server.database.LedgerException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The audit trail of refusals to callers nobody has authenticated (the enrollment port), bounded
 * whatever they send. Every text field is cut to {@link #MAX_FIELD} characters, control characters
 * replaced. Per source and kind of refusal (action and reason), the first refusal of each {@code
 * interval} is written at once and the rest are only counted, then written as one event with the
 * count when the interval ends: a flood costs at most two events per source and reason per
 * interval, every distinct kind is on the record, and no refused caller waits for the audit head's
 * lock (one background thread writes). Past {@code maxSources} sources in an interval, new ones are
 * counted together as {@link #OTHER_SOURCES}.
 *
 * <p>What a crash loses: the counts of the interval in progress.
 */
public final class RefusalAudit implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RefusalAudit.class.getName());

  /** The longest text field of an unauthenticated refusal's event, in characters. */
  public static final int MAX_FIELD = 256;

  /** Sources past the limit of one interval, counted together. */
  public static final String OTHER_SOURCES = "(other sources)";

  private record Kind(String source, String action, String reason) {}

  /** The refusals of one kind in the current interval. */
  private static final class Window {
    final AuditEvent first;
    long more;
    boolean closed;

    Window(AuditEvent first) {
      this.first = first;
    }

    synchronized boolean count() {
      if (closed) {
        return false;
      }
      more++;
      return true;
    }

    synchronized long close() {
      closed = true;
      return more;
    }
  }

  private final AuditLog audit;
  private final Clock clock;
  private final int maxSources;
  private final Map<Kind, Window> windows = new ConcurrentHashMap<>();
  private final BlockingQueue<AuditEvent> firsts = new ArrayBlockingQueue<>(1024);
  private final AtomicLong refusals = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final ScheduledExecutorService writer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-refusal-audit");
            thread.setDaemon(true);
            return thread;
          });
  private final ScheduledFuture<?> intervals;
  private Instant intervalStart;

  public RefusalAudit(AuditLog audit, Clock clock, Duration interval, int maxSources) {
    this.audit = audit;
    this.clock = clock;
    this.maxSources = maxSources;
    this.intervalStart = clock.instant();
    this.intervals =
        writer.scheduleAtFixedRate(
            this::closeInterval, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Records that {@code source} (an address) was refused as {@code event} says. Returns at once;
   * the event, bounded, is written by the background thread if it is the first of its kind in this
   * interval, and counted otherwise.
   */
  public void refused(String source, AuditEvent event) {
    refusals.incrementAndGet();
    String from = bounded(source);
    Kind kind = new Kind(from, bounded(event.action()), bounded(event.reason()));
    if (!windows.containsKey(kind) && windows.size() >= maxSources) {
      kind = new Kind(OTHER_SOURCES, kind.action(), kind.reason());
    }
    while (true) {
      Window window = windows.get(kind);
      if (window == null) {
        Window fresh = new Window(bounded(event, from));
        if (windows.putIfAbsent(kind, fresh) == null) {
          if (firsts.offer(fresh.first)) {
            writer.execute(this::writeFirsts);
          } else {
            fresh.count(); // the queue is full: the summary will count it
          }
          return;
        }
      } else if (window.count()) {
        return;
      }
      // the window closed meanwhile: the refusal opens the next one
    }
  }

  /** Refusals recorded since the start. */
  public long refusals() {
    return refusals.get();
  }

  /** Audit events written for them. */
  public long eventsWritten() {
    return written.get();
  }

  /** Writes what is pending now, as the end of an interval would (for tests and shutdown). */
  public void flush() throws InterruptedException {
    try {
      writer.submit(this::closeInterval).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  private void writeFirsts() {
    AuditEvent event;
    while ((event = firsts.poll()) != null) {
      write(event);
    }
  }

  private void closeInterval() {
    writeFirsts();
    Instant start = intervalStart;
    Instant end = clock.instant();
    intervalStart = end;
    for (Iterator<Map.Entry<Kind, Window>> closing = windows.entrySet().iterator();
        closing.hasNext(); ) {
      Map.Entry<Kind, Window> entry = closing.next();
      closing.remove();
      long more = entry.getValue().close();
      if (more > 0) {
        AuditEvent first = entry.getValue().first;
        write(
            new AuditEvent(
                end,
                first.caller(),
                first.callerRole(),
                first.action(),
                first.profile(),
                "",
                first.decision(),
                first.reason(),
                bounded(
                    more
                        + " more refused from "
                        + entry.getKey().source()
                        + " with this reason between "
                        + start
                        + " and "
                        + end
                        + " (first: "
                        + first.detail()
                        + ")"),
                "",
                "",
                ""));
      }
    }
  }

  private void write(AuditEvent event) {
    try {
      audit.record(event);
      written.incrementAndGet();
      LOG.info(() -> "refused " + event.action() + ": " + event.reason() + ": " + event.detail());
    } catch (LedgerException | RuntimeException e) {
      LOG.warning(
          "could not audit a refused "
              + event.action()
              + " ("
              + event.reason()
              + "): "
              + e.getMessage());
    }
  }

  private static AuditEvent bounded(AuditEvent event, String source) {
    return new AuditEvent(
        event.at(),
        bounded(event.caller()),
        bounded(event.callerRole()),
        bounded(event.action()),
        bounded(event.profile()),
        bounded(event.nodeName()),
        event.decision(),
        bounded(event.reason()),
        bounded("from " + source + ": " + event.detail()),
        bounded(event.serial()),
        bounded(event.requestId()),
        bounded(event.tokenId()));
  }

  /**
   * {@code text} fit for the audit trail: control characters and lone surrogates replaced by {@code
   * ?}, cut to {@link #MAX_FIELD} characters with a note of how many were left out.
   */
  public static String bounded(String text) {
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_FIELD + 32));
    int length = text.length();
    int i = 0;
    while (i < length && out.length() < MAX_FIELD) {
      int codePoint = text.codePointAt(i);
      boolean control = Character.isISOControl(codePoint);
      boolean loneSurrogate = Character.getType(codePoint) == Character.SURROGATE;
      if (control || loneSurrogate) {
        out.append('?');
      } else if (out.length() + Character.charCount(codePoint) <= MAX_FIELD) {
        out.appendCodePoint(codePoint);
      } else {
        break;
      }
      i += Character.charCount(codePoint);
    }
    if (i < length) {
      out.append("...(").append(length - i).append(" more characters)");
    }
    return out.toString();
  }

  @Override
  public void close() {
    try {
      flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warning("could not write the last refusal counts: " + e.getMessage());
    }
    intervals.cancel(false);
    writer.shutdownNow();
  }
}
