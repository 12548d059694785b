package dev.signet.server.grpc;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Events per second from each source address (calls, or connections), as token buckets: {@code
 * burst} at once, then {@code perSecond}. Each bucket also counts how many times in a row its
 * source was refused, so that a source that ignores the retry hint can be told from one that
 * honours it. Buckets that have refilled are forgotten ({@link #forgetIdle}); past {@code maxPeers}
 * remembered sources, new ones share one bucket, so that the table stays bounded however many
 * addresses an attacker has.
 */
final class PeerRates {
  static final String OTHERS = "(others)";

  private final double perSecond;
  private final int burst;
  private final int maxPeers;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  PeerRates(double perSecond, int burst, int maxPeers) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.maxPeers = maxPeers;
  }

  /**
   * The answer to one event: admitted ({@code retryAfter} empty), or refused, with how long until
   * the source has budget again and how many times in a row (this one included) it has been
   * refused.
   */
  record Verdict(Optional<Duration> retryAfter, int refusedInARow) {
    private static final Verdict ADMITTED = new Verdict(Optional.empty(), 0);

    boolean admitted() {
      return retryAfter.isEmpty();
    }
  }

  /** Takes one event from {@code peer}'s budget at {@code nanos} (a monotonic time). */
  Verdict take(String peer, long nanos) {
    String key = buckets.containsKey(peer) || buckets.size() < maxPeers ? peer : OTHERS;
    return buckets.computeIfAbsent(key, k -> new Bucket(burst, nanos)).take(nanos);
  }

  /** How long an empty bucket takes to fill up again: {@code burst / perSecond}. */
  Duration refill() {
    return Duration.ofNanos((long) Math.ceil(burst / perSecond * 1e9));
  }

  /** Forgets the sources whose budget is full again: they are as if never seen. */
  void forgetIdle(long nanos) {
    buckets.values().removeIf(bucket -> bucket.full(nanos));
  }

  int remembered() {
    return buckets.size();
  }

  private final class Bucket {
    private double tokens;
    private long updated;
    private int refusedInARow;

    Bucket(double tokens, long nanos) {
      this.tokens = tokens;
      this.updated = nanos;
    }

    synchronized Verdict take(long nanos) {
      refill(nanos);
      if (tokens >= 1) {
        tokens -= 1;
        refusedInARow = 0;
        return Verdict.ADMITTED;
      }
      refusedInARow = refusedInARow == Integer.MAX_VALUE ? refusedInARow : refusedInARow + 1;
      return new Verdict(
          Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) / perSecond * 1e9))),
          refusedInARow);
    }

    synchronized boolean full(long nanos) {
      refill(nanos);
      return tokens >= burst;
    }

    private void refill(long nanos) {
      tokens = Math.min(burst, tokens + (nanos - updated) / 1e9 * perSecond);
      updated = nanos;
    }
  }
}
