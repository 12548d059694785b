package dev.signet.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PeerRatesTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBurstThenTheRateWithARetryHint() {
    PeerRates rates = new PeerRates(2, 3, 16);
    for (int i = 0; i < 3; i++) {
      assertTrue(rates.take("192.0.2.1", 0).admitted(), "the burst");
    }
    PeerRates.Verdict refused = rates.take("192.0.2.1", 0);
    assertFalse(refused.admitted());
    assertEquals(Duration.ofMillis(500), refused.retryAfter().orElseThrow(), "one call at 2/s");
    assertFalse(refused.ignoresHints());
    assertTrue(rates.take("192.0.2.2", 0).admitted(), "another source has its own budget");
    assertTrue(rates.take("192.0.2.1", SECOND / 2).admitted(), "half a second later");
    assertEquals(Duration.ofMillis(1500), rates.refill(), "3 calls at 2/s");
  }

  @Test
  void aSourceAtMoreThanTwiceItsRateIgnoresTheHintsOneThatWaitsDoesNot() {
    PeerRates rates = new PeerRates(2, 3, 16);
    // 10 calls a second for 5 s: 3 + 2 a second admitted, the refusal budget (3, +2 a second) is
    // spent at 8 - 2 = 6 a second, so within a second
    boolean ignores = false;
    for (long i = 0; i < 50 && !ignores; i++) {
      PeerRates.Verdict verdict = rates.take("192.0.2.1", i * SECOND / 10);
      ignores = verdict.ignoresHints();
    }
    assertTrue(ignores, "a source at 5 times its rate");
    // one that is refused once in a while and waits as told never is
    PeerRates patient = new PeerRates(2, 3, 16);
    long now = 0;
    for (int i = 0; i < 100; i++) {
      PeerRates.Verdict verdict = patient.take("192.0.2.2", now);
      assertFalse(verdict.ignoresHints(), "call " + i);
      now += verdict.retryAfter().map(Duration::toNanos).orElse(0L);
    }
  }

  @Test
  void theTableStaysBoundedAndForgetsSourcesThatHaveRefilled() {
    PeerRates rates = new PeerRates(1, 1, 2);
    assertTrue(rates.take("192.0.2.1", 0).admitted());
    assertTrue(rates.take("192.0.2.2", 0).admitted());
    assertTrue(rates.take("192.0.2.3", 0).admitted(), "the third shares the others' bucket");
    assertFalse(rates.take("192.0.2.4", 0).admitted(), "and so does the fourth");
    assertEquals(3, rates.remembered());
    rates.forgetIdle(10 * SECOND);
    assertEquals(0, rates.remembered());
  }
}
