package dev.signet.server.x509;

import dev.signet.server.support.PerThreadRandom;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * Certificate serial numbers: 16 bytes from a CSPRNG, the top two bits fixed to {@code 01} so that
 * every serial is positive and exactly 16 octets long (126 random bits, well above the 64 the
 * CA/Browser Forum requires and the 63 that forced the 2019 mass revocation). Uniqueness per issuer
 * is enforced by the ledger, which makes the issuer draw again on a collision.
 */
public final class SerialNumbers {
  private final Supplier<SecureRandom> random;

  public SerialNumbers(SecureRandom random) {
    this.random = () -> random;
  }

  private SerialNumbers(Supplier<SecureRandom> random) {
    this.random = random;
  }

  /** Serials drawn from each calling thread's own generator: no lock shared by the issuers. */
  public static SerialNumbers perThread() {
    return new SerialNumbers(PerThreadRandom::get);
  }

  public BigInteger next() {
    byte[] bytes = new byte[16];
    random.get().nextBytes(bytes);
    bytes[0] = (byte) ((bytes[0] & 0x3f) | 0x40);
    return new BigInteger(1, bytes);
  }
}
