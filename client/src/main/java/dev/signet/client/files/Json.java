package dev.signet.client.files;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The JSON signet prints and keeps (check-expiration's output, the agent's state), through Jackson:
 * indented by two spaces with {@code "key": value}, as kubectl and kubeadm print theirs. Records
 * map directly: an empty {@code Optional} is {@code null}, an {@code Instant} its ISO-8601 text; an
 * unknown or missing property is an error when reading.
 */
public final class Json {
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new Jdk8Module())
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .build();

  private static final ObjectWriter INDENTED = MAPPER.writer(printer());

  private Json() {}

  /** {@code value} as indented JSON, with a final newline. */
  public static String write(Object value) {
    try {
      return INDENTED.writeValueAsString(value) + "\n";
    } catch (JsonProcessingException e) {
      // Only maps, lists, records and scalars are written here: a failure is a bug.
      throw new UncheckedIOException(e);
    }
  }

  /** A JSON object; an IOException when the text is not one. */
  public static Map<String, Object> readObject(String text) throws IOException {
    return MAPPER.readValue(text, new TypeReference<Map<String, Object>>() {});
  }

  private static DefaultPrettyPrinter printer() {
    DefaultIndenter twoSpaces = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter(
            Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""));
    printer.indentObjectsWith(twoSpaces);
    printer.indentArraysWith(twoSpaces);
    return printer;
  }
}
