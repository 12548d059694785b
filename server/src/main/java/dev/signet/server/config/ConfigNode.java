package dev.signet.server.config;

import dev.signet.common.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One mapping of the YAML configuration, read key by key. It remembers which keys were read so that
 * {@link #rejectUnknownKeys()} can refuse a typo instead of silently ignoring it, and every error
 * names the full key path ({@code hsm.pin}, {@code limits.maxCallDuration}).
 */
final class ConfigNode {
  private final String path;
  private final Map<String, Object> values;
  private final Path baseDirectory;
  private final Set<String> read = new HashSet<>();

  ConfigNode(String path, Map<String, Object> values, Path baseDirectory) {
    this.path = path;
    this.values = values;
    this.baseDirectory = baseDirectory;
  }

  Path baseDirectory() {
    return baseDirectory;
  }

  /** The sub-mapping under {@code key}; an empty one when the key is absent. */
  ConfigNode child(String key) throws ConfigException {
    Object value = take(key);
    if (value == null) {
      return new ConfigNode(keyPath(key), Map.of(), baseDirectory);
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new ConfigException(keyPath(key) + " must be a mapping of keys to values");
    }
    Map<String, Object> children = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      children.put(String.valueOf(entry.getKey()), entry.getValue());
    }
    return new ConfigNode(keyPath(key), children, baseDirectory);
  }

  Optional<String> optionalString(String key) throws ConfigException {
    Object value = take(key);
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Map || value instanceof List) {
      throw new ConfigException(keyPath(key) + " must be a single value");
    }
    String text = String.valueOf(value).trim();
    return text.isEmpty() ? Optional.empty() : Optional.of(text);
  }

  String string(String key, String defaultValue) throws ConfigException {
    return optionalString(key).orElse(defaultValue);
  }

  String requiredString(String key, String hint) throws ConfigException {
    return optionalString(key)
        .orElseThrow(() -> new ConfigException(keyPath(key) + " is required: " + hint));
  }

  int integer(String key, int defaultValue, int min, int max) throws ConfigException {
    Optional<String> text = optionalString(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(text.get());
      if (value < min || value > max) {
        throw new ConfigException(
            keyPath(key) + " is " + value + "; it must be between " + min + " and " + max);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(keyPath(key) + " must be a whole number, not '" + text.get() + "'");
    }
  }

  boolean bool(String key, boolean defaultValue) throws ConfigException {
    Object value = take(key);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean flag) {
      return flag;
    }
    throw new ConfigException(keyPath(key) + " must be true or false, not '" + value + "'");
  }

  double decimal(String key, double defaultValue, double min, double max) throws ConfigException {
    Optional<String> text = optionalString(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    double value;
    try {
      value = Double.parseDouble(text.get());
    } catch (NumberFormatException e) {
      throw new ConfigException(keyPath(key) + " must be a number, not '" + text.get() + "'");
    }
    if (!(value >= min && value <= max)) {
      throw new ConfigException(
          keyPath(key) + " is " + text.get() + "; it must be between " + min + " and " + max);
    }
    return value;
  }

  Duration duration(String key, Duration defaultValue, Duration min, Duration max)
      throws ConfigException {
    Duration value = parsed(key, Durations::parse).orElse(defaultValue);
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new ConfigException(
          keyPath(key) + " must be between " + min + " and " + max + " (is " + value + ")");
    }
    return value;
  }

  /** A path; relative paths are resolved against the configuration file's directory. */
  Path path(String key, String defaultValue) throws ConfigException {
    return baseDirectory.resolve(string(key, defaultValue)).normalize();
  }

  List<String> strings(String key) throws ConfigException {
    Object value = take(key);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list)) {
      throw new ConfigException(keyPath(key) + " must be a list, e.g. [a, b]");
    }
    List<String> out = new ArrayList<>();
    for (Object item : list) {
      out.add(String.valueOf(item).trim());
    }
    return out;
  }

  /** Parses a value with {@code parser}; its exception message is reported against the key. */
  <T> Optional<T> parsed(String key, Function<String, T> parser) throws ConfigException {
    Optional<String> text = optionalString(key);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(parser.apply(text.get()));
    } catch (RuntimeException e) {
      throw new ConfigException(keyPath(key) + ": " + e.getMessage());
    }
  }

  Set<String> keys() {
    return values.keySet();
  }

  String keyPath(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Fails on any key that was never read: most likely a typo of a known one. */
  void rejectUnknownKeys() throws ConfigException {
    Set<String> unknown = new TreeSet<>(values.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      String first = unknown.iterator().next();
      Set<String> known = new TreeSet<>(read);
      throw new ConfigException(
          "unknown key " + keyPath(first) + (known.isEmpty() ? "" : "; known keys here: " + known));
    }
  }

  private Object take(String key) {
    read.add(key);
    return values.get(key);
  }
}
