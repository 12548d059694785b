package dev.signet.client.rpc;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.common.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The small client configuration file ({@code signet.yaml}, as {@code signetd init} writes it next
 * to the operator credential), so that the connection options need not be repeated:
 *
 * <pre>
 * server: "127.0.0.1:7443"
 * caBundle: ca.crt          # the signet-api CA
 * certificate: operator.crt
 * key: operator.key
 * timeout: 30s              # optional
 * </pre>
 *
 * Relative paths are relative to the file's directory. An unknown key is an error that names it. An
 * {@code agent:} section configures {@code signet agent}, which reads it; other commands skip it.
 */
public record ClientConfig(
    Optional<String> server,
    Optional<Path> caBundle,
    Optional<Path> certificate,
    Optional<Path> key,
    Optional<String> timeout) {
  private static final Set<String> KEYS =
      Set.of("server", "caBundle", "certificate", "key", "timeout");

  /** The section of {@code signet agent}: hooks, check interval, backoff. */
  public static final String AGENT = "agent";

  /** Nothing configured: every value comes from the command line. */
  public static ClientConfig empty() {
    return new ClientConfig(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * The file to read when {@code --config} is not given: {@code $SIGNET_CONFIG}, else {@code
   * ~/.config/signet/signet.yaml} if it exists.
   */
  public static Optional<Path> defaultFile(Map<String, String> environment, Path home) {
    String fromEnvironment = environment.get("SIGNET_CONFIG");
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return Optional.of(Path.of(fromEnvironment));
    }
    Path inHome = home.resolve(".config/signet/signet.yaml");
    return Files.isRegularFile(inHome) ? Optional.of(inHome) : Optional.empty();
  }

  /**
   * Reads and checks {@code file}; every problem is a {@link ExitCode#CONFIG} failure naming it.
   */
  public static ClientConfig load(Path file) {
    Map<?, ?> map = document(file);
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String name = String.valueOf(entry.getKey());
      if (!KEYS.contains(name) && !name.equals(AGENT)) {
        throw problem(
            file,
            "unknown key '"
                + name
                + "' (known: server, caBundle, certificate, key, timeout, agent)");
      }
      if (name.equals(AGENT)) {
        continue; // the agent's section, which the agent reads
      }
      if (!(entry.getValue() instanceof String || entry.getValue() instanceof Number)) {
        throw problem(file, "'" + name + "' must be a string");
      }
      values.put(name, String.valueOf(entry.getValue()));
    }
    Path base = file.toAbsolutePath().getParent();
    return new ClientConfig(
        Optional.ofNullable(values.get("server")),
        Optional.ofNullable(values.get("caBundle")).map(base::resolve),
        Optional.ofNullable(values.get("certificate")).map(base::resolve),
        Optional.ofNullable(values.get("key")).map(base::resolve),
        Optional.ofNullable(values.get("timeout")));
  }

  /**
   * The text of a configuration with these values; paths are written as given (relative ones are
   * read relative to the file's directory).
   */
  public static String render(HostPort server, String caBundle, String certificate, String key) {
    return "# Written by signet; read by signet --config and signet agent.\n"
        + "server: \""
        + server
        + "\"\n"
        + "caBundle: "
        + caBundle
        + "\n"
        + "certificate: "
        + certificate
        + "\n"
        + "key: "
        + key
        + "\n";
  }

  /**
   * The top-level mapping of the file (empty when the file is empty); every problem is a {@link
   * ExitCode#CONFIG} failure naming it.
   */
  public static Map<?, ?> document(Path file) {
    Object document;
    try {
      String text = Files.readString(file);
      document =
          new Load(LoadSettings.builder().setAllowDuplicateKeys(false).build())
              .loadFromString(text);
    } catch (IOException e) {
      throw problem(file, "cannot read it: " + SignetException.describe(e));
    } catch (YamlEngineException e) {
      throw problem(file, "not valid YAML: " + firstLine(e.getMessage()));
    }
    if (document == null) {
      return Map.of();
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw problem(
          file, "expected a mapping of server, caBundle, certificate, key, timeout and agent");
    }
    return map;
  }

  /** A {@link ExitCode#CONFIG} failure: what is wrong with the file. */
  public static SignetException problem(Path file, String what) {
    return new SignetException(ExitCode.CONFIG, "client configuration " + file + ": " + what);
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
