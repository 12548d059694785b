package dev.signet.server.grpc;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls per second from each source address, as token buckets: {@code burst} calls at once, then
 * {@code perSecond}. Buckets that have refilled are forgotten ({@link #forgetIdle}); past {@code
 * maxPeers} remembered sources, new ones share one bucket, so that the table stays bounded however
 * many addresses an attacker has.
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
   * Takes one call from {@code peer}'s budget at {@code nanos} (a monotonic time); empty when it
   * had one, else how long until it will.
   */
  Optional<Duration> take(String peer, long nanos) {
    String key = buckets.containsKey(peer) || buckets.size() < maxPeers ? peer : OTHERS;
    return buckets.computeIfAbsent(key, k -> new Bucket(burst, nanos)).take(nanos);
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

    Bucket(double tokens, long nanos) {
      this.tokens = tokens;
      this.updated = nanos;
    }

    synchronized Optional<Duration> take(long nanos) {
      refill(nanos);
      if (tokens >= 1) {
        tokens -= 1;
        return Optional.empty();
      }
      return Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) / perSecond * 1e9)));
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
