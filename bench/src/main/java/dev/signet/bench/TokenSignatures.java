package dev.signet.bench;

import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.keystore.pkcs11.Pkcs11KeyStore;
import dev.signet.server.testing.TestToken;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The token's raw signatures/s, the ceiling the benchmarks compare signetd against: a key signed
 * through SunPKCS11 as signetd signs, with as many signing slots as threads, on random input of a
 * certificate's or a token's size.
 */
final class TokenSignatures {
  private TokenSignatures() {}

  /**
   * Signatures/s by the key {@code keyLabel} in {@code token} at each count of {@code threads},
   * each measured for {@code measure} after a warm-up; printed as they come.
   */
  static double[] perSecond(
      TestToken token, String keyLabel, int[] threads, Duration measure, int inputBytes)
      throws Exception {
    double[] rates = new double[threads.length];
    byte[] input = new byte[inputBytes];
    new SecureRandom().nextBytes(input);
    char[] pin = token.userPin();
    try (Pkcs11KeyStore open =
        Pkcs11KeyStore.open(
            Path.of("/usr/lib/softhsm/libsofthsm2.so"),
            Pkcs11Uri.parse("pkcs11:token=" + token.label()),
            pin,
            Optional.empty(),
            Arrays.stream(threads).max().orElseThrow(),
            Duration.ofSeconds(30))) {
      SigningKey key = open.find(keyLabel).orElseThrow().key();
      for (int i = 0; i < threads.length; i++) {
        AtomicLong count = new AtomicLong();
        IssuanceBenchmark.run(
            threads[i],
            measure,
            counting -> {
              key.sign(input);
              if (counting) {
                count.incrementAndGet();
              }
            });
        rates[i] = count.get() / (double) measure.toSeconds();
        System.out.printf("   token  %2d threads: %8.0f signatures/s%n", threads[i], rates[i]);
      }
    } finally {
      Arrays.fill(pin, '\0');
    }
    return rates;
  }
}
