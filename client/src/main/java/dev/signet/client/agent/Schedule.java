package dev.signet.client.agent;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * When the agent acts. A certificate is renewed at two thirds of its lifetime, moved by a jitter of
 * up to 5% of the lifetime either way so that the nodes of a fleet issued together do not all come
 * back at once. The jitter is derived from the certificate's serial number: each certificate keeps
 * its renewal time when the agent restarts (a new draw at every start would pull renewals earlier),
 * and serials are random, so a fleet spreads. After a failure the agent waits exponentially longer,
 * bounded, with jitter too.
 */
public final class Schedule {
  /** The renewal point, as a fraction of the lifetime. */
  static final double RENEW_AT = 2.0 / 3.0;

  /** The largest jitter of the renewal point, as a fraction of the lifetime, either way. */
  static final double JITTER = 0.05;

  private Schedule() {}

  /** When to renew {@code certificate}: two thirds of its lifetime, give or take its jitter. */
  public static Instant renewAt(X509Certificate certificate) {
    return renewAt(
        certificate.getNotBefore().toInstant(),
        certificate.getNotAfter().toInstant(),
        certificate.getSerialNumber());
  }

  static Instant renewAt(Instant notBefore, Instant notAfter, BigInteger serial) {
    long lifetime = Duration.between(notBefore, notAfter).toMillis();
    long offset = Math.round(lifetime * (RENEW_AT + JITTER * spread(serial)));
    return notBefore.plusMillis(offset);
  }

  /** A number in [-1, 1) fixed by the serial number, evenly spread over serials. */
  static double spread(BigInteger serial) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(serial.toByteArray());
      long bits = ByteBuffer.wrap(digest).getLong() >>> 11; // 53 random bits
      return bits / (double) (1L << 52) - 1.0;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * How long to wait after the {@code failures}-th failure in a row: {@code initial}, doubled for
   * each further failure, never more than {@code max}; then shortened by up to a quarter, {@code
   * random} in [0, 1) saying how much, so that nodes failing together retry apart.
   */
  public static Duration backoff(int failures, Duration initial, Duration max, double random) {
    Duration delay = initial;
    for (int i = 1; i < failures && delay.compareTo(max) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    if (delay.compareTo(max) > 0) {
      delay = max;
    }
    return Duration.ofMillis(Math.round(delay.toMillis() * (1.0 - 0.25 * random)));
  }

  /**
   * Whether a certificate just issued is already due: its renewal point comes before {@code pause}
   * has passed. Renewing such a certificate on schedule would renew it again and again (a validity
   * too short for signetd's backdate, or a CA about to expire); the agent backs off instead, as
   * after a failure.
   */
  public static boolean dueAtOnce(X509Certificate fresh, Instant now, Duration pause) {
    return dueAtOnce(
        fresh.getNotBefore().toInstant(),
        fresh.getNotAfter().toInstant(),
        fresh.getSerialNumber(),
        now,
        pause);
  }

  static boolean dueAtOnce(
      Instant notBefore, Instant notAfter, BigInteger serial, Instant now, Duration pause) {
    return !renewAt(notBefore, notAfter, serial).isAfter(now.plus(pause));
  }

  /**
   * When to retry after signetd refused for lack of room and said when to come back ({@code hint}):
   * not before the hint, and up to twice it, {@code random} in [0, 1) saying where, so that agents
   * refused together come back apart; never later than {@code max}.
   */
  public static Duration afterHint(Duration hint, Duration max, double random) {
    // truncated, so that the wait stays below twice the hint (random < 1)
    Duration delay = Duration.ofMillis((long) (hint.toMillis() * (1.0 + random)));
    return delay.compareTo(max) > 0 ? max : delay;
  }

  /** The check interval, give or take 10%, so that a fleet's agents do not call in step. */
  public static Duration jittered(Duration interval, double random) {
    return Duration.ofMillis(Math.round(interval.toMillis() * (0.9 + 0.2 * random)));
  }
}
