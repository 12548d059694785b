package dev.signet.server.keystore;

import dev.signet.common.KeyAlgorithm;

/**
 * A private key in the token that can sign and can never be read: a CA key, or the audit key. The
 * production implementation signs in the token ({@code pkcs11.Pkcs11SigningKey}); tests substitute
 * keys that fail, stall or corrupt signatures to show what the issuance pipeline does when an HSM
 * does.
 */
public interface SigningKey {
  KeyAlgorithm algorithm();

  /**
   * Signs {@code data}, returning the signature in the encoding X.509 expects for {@link
   * KeyAlgorithm#signatureAlgorithm()}.
   */
  byte[] sign(byte[] data) throws SigningException;
}
