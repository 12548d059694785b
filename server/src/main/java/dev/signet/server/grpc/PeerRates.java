package dev.signet.server.grpc;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Events per second from each source address (calls, or connections), as token buckets: {@code
 * burst} at once, then {@code perSecond}. Each source also has a budget of refusals, as large and
 * refilled as fast: a source that honours the retry hints hardly spends it, one that goes on at
 * more than twice its rate empties it, and is told apart by that ({@link Verdict#ignoresHints}).
 * Buckets that have refilled are forgotten ({@link #forgetIdle}); past {@code maxPeers} remembered
 * sources, new ones share one bucket, so that the table stays bounded however many addresses an
 * attacker has.
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
   * the source has budget again and whether it has spent its budget of refusals too.
   */
  record Verdict(Optional<Duration> retryAfter, boolean ignoresHints) {
    private static final Verdict ADMITTED = new Verdict(Optional.empty(), false);

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
    private double refusals;
    private long updated;

    Bucket(double tokens, long nanos) {
      this.tokens = tokens;
      this.refusals = tokens;
      this.updated = nanos;
    }

    synchronized Verdict take(long nanos) {
      refill(nanos);
      if (tokens >= 1) {
        tokens -= 1;
        return Verdict.ADMITTED;
      }
      refusals = Math.max(-1, refusals - 1);
      return new Verdict(
          Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) / perSecond * 1e9))),
          refusals < 0);
    }

    synchronized boolean full(long nanos) {
      refill(nanos);
      return tokens >= burst && refusals >= burst;
    }

    private void refill(long nanos) {
      double added = (nanos - updated) / 1e9 * perSecond;
      tokens = Math.min(burst, tokens + added);
      refusals = Math.min(burst, refusals + added);
      updated = nanos;
    }
  }
}
