package dev.signet.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PeerRatesTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBurstThenTheRateAndRefusalsInARowAreCounted() {
    PeerRates rates = new PeerRates(2, 3, 16);
    for (int i = 0; i < 3; i++) {
      assertTrue(rates.take("192.0.2.1", 0).admitted(), "the burst");
    }
    PeerRates.Verdict first = rates.take("192.0.2.1", 0);
    assertFalse(first.admitted());
    assertEquals(Duration.ofMillis(500), first.retryAfter().orElseThrow(), "one call at 2/s");
    assertEquals(1, first.refusedInARow());
    assertEquals(2, rates.take("192.0.2.1", 0).refusedInARow());
    assertTrue(rates.take("192.0.2.2", 0).admitted(), "another source has its own budget");
    // half a second later one call is allowed again, and the count starts over
    assertTrue(rates.take("192.0.2.1", SECOND / 2).admitted());
    assertEquals(1, rates.take("192.0.2.1", SECOND / 2).refusedInARow());
    assertEquals(Duration.ofMillis(1500), rates.refill(), "3 calls at 2/s");
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
