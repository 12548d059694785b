package dev.signet.server.x509;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * Certificate serial numbers: 16 bytes from a CSPRNG, the top two bits fixed to {@code 01} so that
 * every serial is positive and exactly 16 octets long (126 random bits, well above the 64 the
 * CA/Browser Forum requires and the 63 that forced the 2019 mass revocation). Uniqueness per issuer
 * is enforced by the ledger, which makes the issuer draw again on a collision.
 */
public final class SerialNumbers {
  private final SecureRandom random;

  public SerialNumbers(SecureRandom random) {
    this.random = random;
  }

  public BigInteger next() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    bytes[0] = (byte) ((bytes[0] & 0x3f) | 0x40);
    return new BigInteger(1, bytes);
  }
}
