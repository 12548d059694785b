package dev.signet.server.keystore.pkcs11;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.keystore.TokenHealth;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Signature;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A key held in the token (a CA key or the audit key), signing through the SunPKCS11 provider.
 *
 * <p>Concurrent signatures are capped by a semaphore shared by all keys of the token: SunPKCS11
 * pools at most a few idle sessions, and real HSMs allow few sessions, so unbounded parallelism
 * only buys session churn and queueing inside the device. A caller that waits longer than {@code
 * maxWait} gets a "busy" failure instead of an unbounded delay.
 *
 * <p>Security: holds the provider's handle to the key, never its value.
 */
public final class Pkcs11SigningKey implements SigningKey {
  private final PrivateKey handle;
  private final Provider provider;
  private final KeyAlgorithm algorithm;
  private final Semaphore signingSlots;
  private final Duration maxWait;
  private final TokenHealth health;

  public Pkcs11SigningKey(
      PrivateKey handle,
      Provider provider,
      KeyAlgorithm algorithm,
      Semaphore signingSlots,
      Duration maxWait,
      TokenHealth health) {
    this.handle = handle;
    this.provider = provider;
    this.algorithm = algorithm;
    this.signingSlots = signingSlots;
    this.maxWait = maxWait;
    this.health = health;
  }

  @Override
  public KeyAlgorithm algorithm() {
    return algorithm;
  }

  @Override
  public byte[] sign(byte[] data) throws SigningException {
    if (!health.healthy()) {
      throw SigningException.tokenFailure(
          "the token failed earlier: " + health.failure().get(), null);
    }
    try {
      if (!signingSlots.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw SigningException.busy("all signing slots of the token stayed busy for " + maxWait);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SigningException.busy("interrupted while waiting for a signing slot");
    }
    try {
      Signature signature = Signature.getInstance(algorithm.signatureAlgorithm(), provider);
      signature.initSign(handle);
      signature.update(data);
      return signature.sign();
    } catch (GeneralSecurityException | ProviderException e) {
      String reason = "signing with " + algorithm + " failed: " + e.getMessage();
      health.markFailed(reason);
      throw SigningException.tokenFailure(reason, e);
    } finally {
      signingSlots.release();
    }
  }

  @Override
  public String toString() {
    return "Pkcs11SigningKey[" + algorithm + "]";
  }
}
