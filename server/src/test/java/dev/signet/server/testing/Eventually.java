package dev.signet.server.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for something to happen, with a generous bound rather than a fixed pause. */
public final class Eventually {
  private Eventually() {}

  /**
   * Polls {@code condition} every 50 ms until it holds; fails naming {@code what} after {@code
   * bound}.
   */
  public static void await(String what, Duration bound, BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + bound.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + bound.toSeconds() + " s: " + what);
      }
      Thread.sleep(50);
    }
  }
}
