package dev.signet.server.support;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * A CSPRNG per thread, for the issuance hot path. {@code new SecureRandom()} on Linux is
 * NativePRNG, whose instances all read through one process-wide lock; each thread's own DRBG (NIST
 * SP 800-90A, seeded from the system's entropy) draws without waiting for the others.
 */
public final class PerThreadRandom {
  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(PerThreadRandom::drbg);

  private PerThreadRandom() {}

  /** This thread's generator; not to be handed to another thread. */
  public static SecureRandom get() {
    return RANDOM.get();
  }

  private static SecureRandom drbg() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no DRBG", e);
    }
  }
}
