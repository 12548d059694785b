package dev.signet.server.support;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A log line about one event, with fields: logged as the single parameter of a record ({@code
 * LOG.log(level, "{0}", event)}), written as {@code event key=value ...} in the text format and as
 * one JSON object in the JSON format. Fields hold identifiers and outcomes only, never a secret;
 * empty values are left out.
 */
public record LogEvent(String event, Map<String, Object> fields) {
  /** Longer text values (a hostile node name, say) are cut: a log line stays a line. */
  static final int MAX_VALUE_LENGTH = 256;

  public LogEvent {
    Map<String, Object> kept = new LinkedHashMap<>();
    fields.forEach(
        (key, value) -> {
          if (value instanceof Number number) {
            kept.put(key, number);
          } else if (value != null && !value.toString().isEmpty()) {
            String text = value.toString();
            kept.put(
                key,
                text.length() > MAX_VALUE_LENGTH
                    ? text.substring(0, MAX_VALUE_LENGTH) + "..."
                    : text);
          }
        });
    fields = Collections.unmodifiableMap(kept);
  }

  /**
   * {@code event key=value ...}: values with blanks or quotes quoted, control characters escaped,
   * so that no value can start a line of its own.
   */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(event);
    fields.forEach(
        (key, value) -> {
          String shown = escaped(value.toString());
          text.append(' ').append(key).append('=');
          if (shown.contains(" ") || shown.contains("\"") || shown.isEmpty()) {
            text.append('"').append(shown.replace("\"", "\\\"")).append('"');
          } else {
            text.append(shown);
          }
        });
    return text.toString();
  }

  private static String escaped(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
