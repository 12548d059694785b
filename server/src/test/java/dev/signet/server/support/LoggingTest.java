package dev.signet.server.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The log handler: callers never wait for its output, a full queue drops and counts, one line. */
class LoggingTest {
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a handler that blocked its callers would hang here
  void aStalledOutputNeverBlocksACallerAndAFullQueueDropsAndCountsTheRest() throws Exception {
    StalledOutput output = new StalledOutput();
    Logging.Queued handler =
        new Logging.Queued(new PrintStream(output, true, StandardCharsets.UTF_8));
    handler.setFormatter(new Logging.TextFormat());
    handler.publish(record("first"));
    assertTrue(output.entered.await(60, TimeUnit.SECONDS), "the writer took the first record");

    // the writer is stuck in the output: these return at once, and the queue holds CAPACITY
    for (int i = 0; i < Logging.CAPACITY + 10; i++) {
      handler.publish(record("queued " + i));
    }

    assertEquals(10, handler.dropped());
    output.release.countDown();
    handler.flush();
    List<String> lines = output.text().lines().toList();
    assertEquals(Logging.CAPACITY + 1, lines.size());
    assertTrue(lines.get(Logging.CAPACITY).endsWith("queued " + (Logging.CAPACITY - 1)));
  }

  @Test
  void aJsonLineIsOneObjectWithTheEventsFieldsAndAHostileValueStaysOnItsLine() throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("caller", "operator");
    fields.put("profile", "kubelet-client");
    fields.put("request_id", "");
    fields.put("node", "evil\nINFO forged line " + "x".repeat(300));
    fields.put("duration_ms", 12L);
    LogRecord record = new LogRecord(Level.INFO, "{0}");
    record.setLoggerName("dev.signet.test");
    record.setParameters(new Object[] {new LogEvent("issued", fields)});

    String json = new Logging.JsonFormat().format(record);
    String text = new Logging.TextFormat().format(record);

    assertEquals(1, json.lines().count(), json);
    assertEquals(1, text.lines().count(), text);
    JsonNode line = new ObjectMapper().readTree(json);
    assertEquals("issued", line.get("event").asText());
    assertEquals("INFO", line.get("level").asText());
    assertEquals("operator", line.get("caller").asText());
    assertEquals(12, line.get("duration_ms").asLong());
    assertTrue(
        line.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
    assertFalse(line.has("request_id"), "an empty value is left out: " + line);
    assertEquals(LogEvent.MAX_VALUE_LENGTH + 3, line.get("node").asText().length());
    assertTrue(text.contains("node=\"evil\\u000aINFO forged line"), text);
  }

  private static LogRecord record(String message) {
    LogRecord record = new LogRecord(Level.INFO, message);
    record.setLoggerName("dev.signet.test");
    return record;
  }

  /** An output that blocks its first write until released, as a stuck terminal or pipe does. */
  private static final class StalledOutput extends OutputStream {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @Override
    public void write(int b) throws java.io.IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
      entered.countDown();
      try {
        if (!release.await(60, TimeUnit.SECONDS)) {
          throw new java.io.IOException("never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException();
      }
      synchronized (written) {
        written.write(bytes, offset, length);
      }
    }

    String text() {
      synchronized (written) {
        return written.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
