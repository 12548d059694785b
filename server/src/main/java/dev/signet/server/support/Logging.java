package dev.signet.server.support;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event on standard error, UTC timestamps: what a systemd journal or a container log
 * wants, as text or as JSON ({@code logging.format}). An operator's own {@code
 * -Djava.util.logging.config.file} takes precedence.
 *
 * <p>A caller never waits for the terminal or the journal: a record goes into a bounded lock-free
 * queue, and one thread formats and writes the records. The JDK's console handler instead makes
 * every logging thread take one monitor and write the line itself, which serialises concurrent
 * issuances behind a slow standard error. When the queue is full a record is dropped and counted
 * ({@link #dropped}, exported as {@code signet_log_records_dropped}).
 */
public final class Logging {
  static {
    // First of all: the log manager class is fixed when java.util.logging is first used, which
    // the loggers and the handler below do.
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", KeepHandlersAtExit.class.getName());
    }
  }

  /** Records waiting to be written at most; beyond, they are dropped. */
  static final int CAPACITY = 16_384;

  /**
   * Loggers whose level is set here, held: java.util.logging keeps loggers weakly, and a collected
   * one forgets its level.
   */
  private static final Logger NETTY = Logger.getLogger("io.grpc.netty.shaded");

  private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");

  private static final Queued HANDLER = new Queued(System.err);

  private Logging() {}

  /** Must run before anything logs: the log manager class is fixed at first use. */
  public static void configure() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    HANDLER.setFormatter(new TextFormat());
    HANDLER.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    for (var existing : root.getHandlers()) {
      root.removeHandler(existing);
    }
    root.addHandler(HANDLER);
    root.setLevel(Level.INFO);
    // Netty and gRPC report each refused TLS handshake at length; Signet logs its own decisions.
    NETTY.setLevel(Level.WARNING);
    // Flyway narrates every step of a migration; Database logs the version it migrated to.
    FLYWAY.setLevel(Level.WARNING);
  }

  /** Writes from now on in {@code format} (the configuration is read after logging starts). */
  public static void use(LogFormat format) {
    HANDLER.setFormatter(format == LogFormat.JSON ? new JsonFormat() : new TextFormat());
  }

  /** Records dropped because the queue was full, since the process started. */
  public static long dropped() {
    return HANDLER.dropped();
  }

  /** Writes what is queued; for a clean stop. */
  public static void flush() {
    HANDLER.flush();
  }

  /** The handler: a bounded queue that one writer thread drains. */
  static final class Queued extends Handler {
    private final ConcurrentLinkedQueue<LogRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final PrintStream out;
    private final Thread writer;

    Queued(PrintStream out) {
      this.out = out;
      this.writer = new Thread(this::drain, "signet-log-writer");
      writer.setDaemon(true);
      writer.start();
    }

    @Override
    public void publish(LogRecord record) {
      if (!isLoggable(record)) {
        return;
      }
      if (queued.incrementAndGet() > CAPACITY) {
        queued.decrementAndGet();
        dropped.increment();
        return;
      }
      queue.add(record);
      LockSupport.unpark(writer);
    }

    private void drain() {
      while (true) {
        if (!writeQueued()) {
          LockSupport.parkNanos(this, 50_000_000L);
        }
      }
    }

    /** Writes every queued record; false when there was none. */
    private synchronized boolean writeQueued() {
      LogRecord record = queue.poll();
      if (record == null) {
        return false;
      }
      StringBuilder lines = new StringBuilder();
      while (record != null) {
        queued.decrementAndGet();
        try {
          lines.append(getFormatter().format(record));
        } catch (RuntimeException e) {
          lines.append("log record not formatted: ").append(e).append('\n');
        }
        record = queue.poll();
      }
      out.print(lines);
      out.flush();
      return true;
    }

    @Override
    public void flush() {
      writeQueued();
    }

    long dropped() {
      return dropped.sum();
    }

    @Override
    public void close() {
      flush();
    }
  }

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  /** {@code TIME LEVEL LOGGER: MESSAGE}, a failure's stack trace on the same line. */
  static final class TextFormat extends Formatter {
    @Override
    public String format(LogRecord record) {
      StringBuilder line =
          new StringBuilder()
              .append(TIME.format(record.getInstant()))
              .append(' ')
              .append(record.getLevel().getName())
              .append(' ')
              .append(record.getLoggerName())
              .append(": ")
              .append(oneLine(formatMessage(record)));
      if (record.getThrown() != null) {
        line.append(" | ").append(oneLine(stackTrace(record.getThrown())));
      }
      return line.append('\n').toString();
    }
  }

  /**
   * One JSON object per line: {@code time}, {@code level}, {@code event} (the event's name, or
   * {@code log} for a plain message), {@code logger}, {@code message}, the event's fields (caller,
   * profile, serial, request_id, status, duration_ms, ...), and {@code error} with the stack trace.
   */
  static final class JsonFormat extends Formatter {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String format(LogRecord record) {
      StringWriter text = new StringWriter();
      try (JsonGenerator json = JSON.createGenerator(text)) {
        json.writeStartObject();
        json.writeStringField("time", TIME.format(record.getInstant()));
        json.writeStringField("level", record.getLevel().getName());
        LogEvent event = event(record);
        json.writeStringField("event", event == null ? "log" : event.event());
        json.writeStringField("logger", record.getLoggerName());
        json.writeStringField("message", formatMessage(record));
        if (event != null) {
          for (Map.Entry<String, Object> field : event.fields().entrySet()) {
            if (field.getValue() instanceof Long || field.getValue() instanceof Integer) {
              json.writeNumberField(field.getKey(), ((Number) field.getValue()).longValue());
            } else {
              json.writeStringField(field.getKey(), field.getValue().toString());
            }
          }
        }
        if (record.getThrown() != null) {
          json.writeStringField("error", stackTrace(record.getThrown()));
        }
        json.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return text.append('\n').toString();
    }

    private static LogEvent event(LogRecord record) {
      Object[] parameters = record.getParameters();
      return parameters != null && parameters.length == 1 && parameters[0] instanceof LogEvent e
          ? e
          : null;
    }
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter trace = new StringWriter();
    thrown.printStackTrace(new java.io.PrintWriter(trace));
    return trace.toString().strip();
  }

  /** Line breaks shown as {@code \n}: one event, one line. */
  private static String oneLine(String text) {
    return text.replace("\r", "").replace("\n", "\\n");
  }

  /**
   * The JDK's log manager closes every handler from a shutdown hook of its own, racing the daemon's
   * graceful stop, whose last lines would then be lost. The handler is flushed by the daemon's stop
   * instead: keep the handlers to the end.
   */
  public static final class KeepHandlersAtExit extends LogManager {
    private boolean configured;

    @Override
    public void reset() {
      if (!configured) {
        configured = true;
        super.reset();
      }
    }
  }
}
