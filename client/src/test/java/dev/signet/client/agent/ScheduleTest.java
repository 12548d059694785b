package dev.signet.client.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Renewal at two thirds of the lifetime with a per-certificate jitter; bounded backoff. */
class ScheduleTest {
  private static final Instant NOT_BEFORE = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration YEAR = Duration.ofDays(365);

  @Test
  void renewalFallsAtTwoThirdsOfTheLifetimeGiveOrTakeFivePercent() {
    SecureRandom random = new SecureRandom();
    double lowest = 1;
    double highest = -1;
    double sum = 0;
    int count = 2000;
    for (int i = 0; i < count; i++) {
      BigInteger serial = new BigInteger(128, random);
      Instant at = Schedule.renewAt(NOT_BEFORE, NOT_BEFORE.plus(YEAR), serial);
      double fraction = Duration.between(NOT_BEFORE, at).toMillis() / (double) YEAR.toMillis();
      assertTrue(
          fraction >= 2.0 / 3 - 0.05 && fraction < 2.0 / 3 + 0.05,
          "at " + fraction + " of the lifetime");
      assertEquals(
          at,
          Schedule.renewAt(NOT_BEFORE, NOT_BEFORE.plus(YEAR), serial),
          "the same serial, the same point");
      lowest = Math.min(lowest, fraction);
      highest = Math.max(highest, fraction);
      sum += fraction;
    }
    assertTrue(
        lowest < 2.0 / 3 - 0.045 && highest > 2.0 / 3 + 0.045,
        "spread over the whole window: " + lowest + ".." + highest);
    assertEquals(2.0 / 3, sum / count, 0.005, "centred on two thirds");
  }

  @Test
  void aOneMinuteCertificateIsRenewedAfterForty() {
    Instant at =
        Schedule.renewAt(NOT_BEFORE, NOT_BEFORE.plusSeconds(60), BigInteger.valueOf(12345));
    long seconds = Duration.between(NOT_BEFORE, at).toSeconds();
    assertTrue(seconds >= 37 && seconds <= 43, seconds + " s");
  }

  @Test
  void backoffDoublesFromTheInitialDelayUpToTheMaximumWithJitterBelow() {
    Duration initial = Duration.ofSeconds(10);
    Duration max = Duration.ofMinutes(5);
    assertEquals(Duration.ofSeconds(10), Schedule.backoff(1, initial, max, 0.0));
    assertEquals(
        Duration.ofMillis(7500),
        Schedule.backoff(1, initial, max, 0.99999),
        "shortened by up to a quarter");
    assertEquals(Duration.ofSeconds(20), Schedule.backoff(2, initial, max, 0.0));
    assertEquals(Duration.ofSeconds(160), Schedule.backoff(5, initial, max, 0.0));
    assertEquals(max, Schedule.backoff(6, initial, max, 0.0), "320 s is capped at 300 s");
    assertEquals(max, Schedule.backoff(1000, initial, max, 0.0), "no overflow after many failures");
    for (int failures = 1; failures < 40; failures++) {
      Duration delay = Schedule.backoff(failures, initial, max, Math.random());
      assertTrue(
          delay.compareTo(max) <= 0 && delay.compareTo(Duration.ofMillis(7500)) >= 0,
          delay.toString());
    }
  }

  @Test
  void theCheckIntervalVariesByTenPercent() {
    Duration interval = Duration.ofMinutes(5);
    assertEquals(Duration.ofSeconds(270), Schedule.jittered(interval, 0.0));
    assertEquals(Duration.ofMinutes(5), Schedule.jittered(interval, 0.5));
    assertTrue(Schedule.jittered(interval, 0.99999).compareTo(Duration.ofSeconds(330)) <= 0);
  }

  /**
   * Issue 10: a daemon with issuance.validity 2m and a 5m backdate issued certificates already
   * expired, and the agent re-issued them in a loop. Such a certificate is "due at once"; one with
   * a sane lifetime is not.
   */
  @Test
  void aCertificateDueAsSoonAsItIsIssuedIsRecognised() {
    Instant now = NOT_BEFORE.plus(Duration.ofMinutes(5));
    BigInteger serial = BigInteger.valueOf(42);
    Duration pause = Duration.ofSeconds(10);

    // NotBefore backdated 5m, NotAfter 2m after NotBefore (the old rule): expired on arrival
    assertTrue(
        Schedule.dueAtOnce(NOT_BEFORE, NOT_BEFORE.plus(Duration.ofMinutes(2)), serial, now, pause));
    // NotAfter 2m after issuance: 2/3 of 7m from NotBefore is 4m40s, before now
    assertTrue(Schedule.dueAtOnce(NOT_BEFORE, now.plus(Duration.ofMinutes(2)), serial, now, pause));
    // a day: due in about 16 hours
    assertTrue(!Schedule.dueAtOnce(NOT_BEFORE, now.plus(Duration.ofDays(1)), serial, now, pause));
  }

  @Test
  void aRetryHintIsHonouredWithJitterNeverEarlier() {
    Duration hint = Duration.ofMillis(800);
    Duration max = Duration.ofMinutes(5);
    assertEquals(hint, Schedule.afterHint(hint, max, 0.0), "never before the hint");
    assertEquals(Duration.ofMillis(1200), Schedule.afterHint(hint, max, 0.5));
    assertTrue(Schedule.afterHint(hint, max, 0.99999).compareTo(hint.multipliedBy(2)) < 0);
    assertEquals(max, Schedule.afterHint(Duration.ofHours(1), max, 0.5), "capped by backoffMax");
  }
}
