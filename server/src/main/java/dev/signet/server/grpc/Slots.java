package dev.signet.server.grpc;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Calls in flight counted under several keys at once (all calls, a role's share, one credential,
 * one source address), each with its own limit. A call takes a slot under every key that applies to
 * it, or none when any of them is full; so a lane fills up without touching the others.
 */
final class Slots {
  /** One key a call counts against, its limit, and what to tell a caller refused for it. */
  record Limit(String key, int max, String refusal) {}

  private final Map<String, Integer> taken = new HashMap<>();

  /** Takes a slot under every limit, or none; returns the limit that was full, if one was. */
  synchronized Optional<Limit> tryTake(List<Limit> limits) {
    for (Limit limit : limits) {
      if (taken.getOrDefault(limit.key(), 0) >= limit.max()) {
        return Optional.of(limit);
      }
    }
    for (Limit limit : limits) {
      taken.merge(limit.key(), 1, Integer::sum);
    }
    return Optional.empty();
  }

  /** Gives back the slots {@link #tryTake} took for {@code limits}. */
  synchronized void give(List<Limit> limits) {
    for (Limit limit : limits) {
      taken.computeIfPresent(limit.key(), (key, count) -> count > 1 ? count - 1 : null);
    }
  }

  /** Slots taken under {@code key}. */
  synchronized int taken(String key) {
    return taken.getOrDefault(key, 0);
  }
}
