package dev.signet.server.grpc;

import java.time.Duration;

/**
 * How long calls have been taking lately (an exponentially weighted average), from which a refused
 * caller's retry hint is made: about one call's time is when a slot is likely to be free again.
 */
final class CallDurations {
  private static final double WEIGHT = 0.1;

  private final Duration floor;
  private final Duration ceiling;
  private double averageMillis;

  /** Hints are at least {@code floor} and at most {@code ceiling}. */
  CallDurations(Duration floor, Duration ceiling) {
    this.floor = floor;
    this.ceiling = ceiling;
    this.averageMillis = floor.toMillis();
  }

  synchronized void record(Duration duration) {
    averageMillis += WEIGHT * (duration.toMillis() - averageMillis);
  }

  /** When a refused caller should try again. */
  synchronized Duration retryAfter() {
    long millis = Math.round(averageMillis);
    return Duration.ofMillis(Math.max(floor.toMillis(), Math.min(ceiling.toMillis(), millis)));
  }
}
