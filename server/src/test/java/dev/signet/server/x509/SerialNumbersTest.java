package dev.signet.server.x509;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Proves that {@link SerialNumbers} makes serials that are positive, exactly 16 octets in DER (top
 * bits {@code 01}), distinct, and that each of the 126 remaining bits really is random: over 10,000
 * draws every one of them is seen both set and clear.
 */
class SerialNumbersTest {
  private static final int DRAWS = 10_000;
  private static final int RANDOM_BITS = 126;

  @Test
  void tenThousandSerialsAreDistinctPositiveSixteenOctetsWithEveryRandomBitUsed() {
    checkTenThousand(new SerialNumbers(new SecureRandom()));
  }

  @Test
  void perThreadSerialsHaveTheSameFormAndAreDistinctAcrossThreads() throws Exception {
    SerialNumbers serials = SerialNumbers.perThread();
    checkTenThousand(serials);
    Set<BigInteger> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.List<java.util.concurrent.Future<?>> draws = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        draws.add(
            threads.submit(
                () -> {
                  for (int i = 0; i < DRAWS; i++) {
                    assertTrue(seen.add(serials.next()), "distinct across threads");
                  }
                }));
      }
      for (java.util.concurrent.Future<?> draw : draws) {
        draw.get();
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals(4 * DRAWS, seen.size());
  }

  private static void checkTenThousand(SerialNumbers serials) {
    Set<BigInteger> seen = new HashSet<>();
    boolean[] seenSet = new boolean[RANDOM_BITS];
    boolean[] seenClear = new boolean[RANDOM_BITS];

    for (int i = 0; i < DRAWS; i++) {
      BigInteger serial = serials.next();
      assertEquals(1, serial.signum(), "positive");
      // bit 126 set and bit 127 clear: 127 bits, and 16 octets in DER with no sign octet
      assertEquals(127, serial.bitLength(), serial.toString(16));
      assertEquals(16, serial.toByteArray().length, serial.toString(16));
      assertTrue(seen.add(serial), "distinct");
      for (int bit = 0; bit < RANDOM_BITS; bit++) {
        if (serial.testBit(bit)) {
          seenSet[bit] = true;
        } else {
          seenClear[bit] = true;
        }
      }
    }

    assertEquals(DRAWS, seen.size());
    for (int bit = 0; bit < RANDOM_BITS; bit++) {
      assertTrue(seenSet[bit] && seenClear[bit], "bit " + bit + " never varied");
    }
  }

  @Test
  void topBitsAreForcedToZeroOneWhenTheRandomBytesAreAllOnes() {
    BigInteger serial = new SerialNumbers(constant((byte) 0xff)).next();

    // 0x7fff...ff: bit 127 cleared, everything else kept
    assertEquals(BigInteger.ONE.shiftLeft(127).subtract(BigInteger.ONE), serial);
  }

  @Test
  void topBitsAreForcedToZeroOneWhenTheRandomBytesAreAllZeros() {
    BigInteger serial = new SerialNumbers(constant((byte) 0)).next();

    // 0x4000...00: still 16 octets and positive, well above the 64 bits of entropy floor
    assertEquals(BigInteger.ONE.shiftLeft(126), serial);
    assertEquals(16, serial.toByteArray().length);
  }

  @Test
  void usesSixteenBytesOfTheGivenRandomness() {
    CountingRandom random = new CountingRandom();

    new SerialNumbers(random).next();

    assertEquals(16, random.bytesDrawn);
  }

  private static SecureRandom constant(byte value) {
    return new SecureRandom() {
      @Override
      public void nextBytes(byte[] bytes) {
        Arrays.fill(bytes, value);
      }
    };
  }

  private static final class CountingRandom extends SecureRandom {
    int bytesDrawn;

    @Override
    public void nextBytes(byte[] bytes) {
      bytesDrawn += bytes.length;
      Arrays.fill(bytes, (byte) 0x5a);
    }
  }
}
