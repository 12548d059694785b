package dev.signet.client.agent;

import dev.signet.client.rpc.ClientConfig;
import dev.signet.common.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code agent:} section of the client configuration file, so that one file holds the
 * credential the agent keeps alive and what it does after a renewal:
 *
 * <pre>
 * agent:
 *   checkInterval: 5m       # how often signetd's CA bundles are compared with the files
 *   hookTimeout: 2m         # a hook still running then is killed
 *   backoff:                # after a failure: initial, doubled each time, at most max
 *     initial: 10s
 *     max: 5m
 *   hooks:                  # file written -> command, run by /bin/sh -c in the directory
 *     pki/etcd/server.crt: systemctl restart etcd
 * </pre>
 *
 * Hook files are relative to the agent's {@code --dir} (or absolute, for the credential files).
 * Every key is optional; an unknown one is an error that names it.
 */
public record AgentConfig(
    Duration checkInterval,
    Duration hookTimeout,
    Duration backoffInitial,
    Duration backoffMax,
    Map<String, String> hooks) {
  public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofMinutes(5);
  public static final Duration DEFAULT_HOOK_TIMEOUT = Duration.ofMinutes(2);
  public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(5);
  private static final Set<String> KEYS =
      Set.of("checkInterval", "hookTimeout", "backoff", "hooks");

  public AgentConfig {
    hooks = Map.copyOf(hooks);
  }

  /** No section: the defaults, and no hooks. */
  public static AgentConfig defaults() {
    return new AgentConfig(
        DEFAULT_CHECK_INTERVAL,
        DEFAULT_HOOK_TIMEOUT,
        DEFAULT_BACKOFF_INITIAL,
        DEFAULT_BACKOFF_MAX,
        Map.of());
  }

  /**
   * The {@code agent:} section of {@code file}, or the defaults when there is no file or no
   * section.
   */
  public static AgentConfig load(Optional<Path> file) {
    if (file.isEmpty()) {
      return defaults();
    }
    Object section = ClientConfig.document(file.get()).get(ClientConfig.AGENT);
    if (section == null) {
      return defaults();
    }
    Path path = file.get();
    Map<?, ?> agent = mapping(path, "agent", section);
    for (Object key : agent.keySet()) {
      if (!KEYS.contains(String.valueOf(key))) {
        throw ClientConfig.problem(
            path,
            "unknown key 'agent." + key + "' (known: checkInterval, hookTimeout, backoff, hooks)");
      }
    }
    Map<?, ?> backoff =
        agent.containsKey("backoff")
            ? mapping(path, "agent.backoff", agent.get("backoff"))
            : Map.of();
    for (Object key : backoff.keySet()) {
      if (!Set.of("initial", "max").contains(String.valueOf(key))) {
        throw ClientConfig.problem(
            path, "unknown key 'agent.backoff." + key + "' (known: initial, max)");
      }
    }
    Duration initial =
        duration(path, "agent.backoff.initial", backoff.get("initial"), DEFAULT_BACKOFF_INITIAL);
    Duration max = duration(path, "agent.backoff.max", backoff.get("max"), DEFAULT_BACKOFF_MAX);
    if (max.compareTo(initial) < 0) {
      throw ClientConfig.problem(
          path,
          "agent.backoff.max (" + backoff.get("max") + ") is shorter than agent.backoff.initial");
    }
    Map<String, String> hooks = new LinkedHashMap<>();
    Map<?, ?> configured =
        agent.containsKey("hooks") ? mapping(path, "agent.hooks", agent.get("hooks")) : Map.of();
    for (Map.Entry<?, ?> hook : configured.entrySet()) {
      if (!(hook.getValue() instanceof String command) || command.isBlank()) {
        throw ClientConfig.problem(
            path, "agent.hooks.'" + hook.getKey() + "' must be a command (a string)");
      }
      hooks.put(String.valueOf(hook.getKey()), command);
    }
    return new AgentConfig(
        duration(path, "agent.checkInterval", agent.get("checkInterval"), DEFAULT_CHECK_INTERVAL),
        duration(path, "agent.hookTimeout", agent.get("hookTimeout"), DEFAULT_HOOK_TIMEOUT),
        initial,
        max,
        hooks);
  }

  private static Map<?, ?> mapping(Path file, String key, Object value) {
    if (!(value instanceof Map<?, ?> map)) {
      throw ClientConfig.problem(file, "'" + key + "' must be a mapping");
    }
    return map;
  }

  /** A duration of at least one second, e.g. 30s or 5m. */
  private static Duration duration(Path file, String key, Object value, Duration otherwise) {
    if (value == null) {
      return otherwise;
    }
    try {
      Duration duration = Durations.parse(String.valueOf(value));
      if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
        throw ClientConfig.problem(file, key + " must be at least 1s, not " + value);
      }
      return duration;
    } catch (IllegalArgumentException e) {
      throw ClientConfig.problem(file, key + ": " + e.getMessage());
    }
  }
}
