package dev.signet.server.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape in the Prometheus text format (0.0.4), parsed strictly for tests: every family announced
 * by {@code # HELP} and {@code # TYPE} before its samples, every sample {@code NAME{LABELS} VALUE}
 * of the announced family (a histogram's {@code _bucket}, {@code _sum} and {@code _count}, a
 * counter's {@code _total}). A line that breaks the format fails the parse with the line.
 */
public final class Exposition {
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})?"
              + " (\\S+)(?: -?\\d+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  /** One sample: its name, labels in their order, and value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final Map<String, String> types;
  private final List<Sample> samples;
  private final String text;

  private Exposition(Map<String, String> types, List<Sample> samples, String text) {
    this.types = types;
    this.samples = samples;
    this.text = text;
  }

  /** GETs {@code url} and parses the answer; an answer other than 200 fails. */
  public static Exposition scrape(String url) throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError(url + " answered " + response.statusCode() + ": " + response.body());
    }
    String type = response.headers().firstValue("Content-Type").orElse("");
    if (!type.startsWith("text/plain; version=0.0.4")) {
      throw new AssertionError(url + " answered Content-Type " + type);
    }
    return parse(response.body());
  }

  public static Exposition parse(String text) {
    if (!text.endsWith("\n")) {
      throw new AssertionError("the exposition does not end with a newline:\n" + text);
    }
    Map<String, String> types = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    String family = null;
    String helped = null;
    for (String line : text.lines().toList()) {
      if (line.startsWith("# HELP ")) {
        helped = line.split(" ", 4)[2];
      } else if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ", -1);
        if (parts.length != 4 || !parts[2].equals(helped)) {
          throw new AssertionError("TYPE without its HELP before: " + line);
        }
        if (!Set.of("gauge", "counter", "histogram", "summary", "untyped").contains(parts[3])) {
          throw new AssertionError("unknown type: " + line);
        }
        family = parts[2];
        types.put(family, parts[3]);
      } else if (line.startsWith("#")) {
        throw new AssertionError("a comment that is neither HELP nor TYPE: " + line);
      } else {
        Matcher sample = SAMPLE.matcher(line);
        if (!sample.matches()) {
          throw new AssertionError("not a sample line: " + line);
        }
        String name = sample.group(1);
        if (family == null || !inFamily(name, family, types.get(family))) {
          throw new AssertionError("a sample outside its family " + family + ": " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (sample.group(2) != null) {
          Matcher label = LABEL.matcher(sample.group(2));
          while (label.find()) {
            labels.put(label.group(1), unescape(label.group(2)));
          }
        }
        samples.add(new Sample(name, labels, value(sample.group(3), line)));
      }
    }
    return new Exposition(types, samples, text);
  }

  private static boolean inFamily(String name, String family, String type) {
    return switch (type) {
      case "counter" ->
          name.equals(family) || name.equals(family + "_total") || name.equals(family + "_created");
      case "histogram" ->
          name.equals(family + "_bucket")
              || name.equals(family + "_sum")
              || name.equals(family + "_count")
              || name.equals(family + "_created");
      case "summary" ->
          name.equals(family)
              || name.equals(family + "_sum")
              || name.equals(family + "_count")
              || name.equals(family + "_created");
      default -> name.equals(family);
    };
  }

  private static double value(String text, String line) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new AssertionError("not a value: " + line, e);
        }
      }
    };
  }

  private static String unescape(String value) {
    return value.replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
  }

  /** The families announced, with their types. */
  public Map<String, String> types() {
    return types;
  }

  /** Every sample name (a histogram's {@code _bucket}, {@code _sum}, {@code _count} included). */
  public Set<String> sampleNames() {
    Set<String> names = new TreeSet<>();
    samples.forEach(s -> names.add(s.name()));
    return names;
  }

  public List<Sample> samples() {
    return samples;
  }

  /** The samples of {@code name} whose labels include {@code labels}. */
  public List<Sample> samples(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
        .toList();
  }

  /** The one sample of {@code name} with exactly {@code labels}, if there is one. */
  public Optional<Double> find(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().equals(labels))
        .map(Sample::value)
        .findFirst();
  }

  /** The value of the sample of {@code name} with exactly {@code labels}; fails when absent. */
  public double value(String name, Map<String, String> labels) {
    return find(name, labels)
        .orElseThrow(() -> new AssertionError("no sample " + name + labels + " in:\n" + text));
  }

  /** The sum of the samples of {@code name} whose labels include {@code labels}; 0 if none. */
  public double sum(String name, Map<String, String> labels) {
    return samples(name, labels).stream().mapToDouble(Sample::value).sum();
  }

  @Override
  public String toString() {
    return text;
  }
}
