package dev.signet.client.files;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON signet prints and keeps (check-expiration's output, the agent's state): written indented
 * by two spaces, as kubectl and kubeadm print theirs, and read back through the YAML parser, since
 * JSON is YAML 1.2. Values are maps with string keys, lists, strings, numbers, booleans and null.
 */
public final class Json {
  private Json() {}

  /** {@code value} as indented JSON, with a final newline. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, "");
    return out.append('\n').toString();
  }

  /** A JSON object; an IOException when the text is not one. */
  public static Map<String, Object> readObject(String text) throws IOException {
    return Yaml.loadMapping(text);
  }

  private static void write(StringBuilder out, Object value, String indent) {
    if (value instanceof Map<?, ?> map) {
      writeEntries(
          out,
          '{',
          '}',
          map.entrySet().iterator(),
          indent,
          (entry, inner) -> {
            out.append(quote(String.valueOf(entry.getKey()))).append(": ");
            write(out, entry.getValue(), inner);
          });
    } else if (value instanceof List<?> list) {
      writeEntries(
          out, '[', ']', list.iterator(), indent, (item, inner) -> write(out, item, inner));
    } else if (value instanceof String text) {
      out.append(quote(text));
    } else {
      out.append(value); // numbers, booleans, null
    }
  }

  private interface Entry<T> {
    void write(T entry, String indent);
  }

  private static <T> void writeEntries(
      StringBuilder out,
      char open,
      char close,
      Iterator<T> entries,
      String indent,
      Entry<T> entry) {
    out.append(open);
    if (!entries.hasNext()) {
      out.append(close);
      return;
    }
    String inner = indent + "  ";
    while (entries.hasNext()) {
      out.append('\n').append(inner);
      entry.write(entries.next(), inner);
      if (entries.hasNext()) {
        out.append(',');
      }
    }
    out.append('\n').append(indent).append(close);
  }

  /** A JSON string literal. */
  public static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
