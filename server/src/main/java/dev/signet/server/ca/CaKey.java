package dev.signet.server.ca;

import dev.signet.common.KeyAlgorithm;

/**
 * A CA private key that can sign and can never be read. The production implementation signs in the
 * token ({@link TokenCaKey}); tests substitute keys that fail, stall or corrupt signatures to show
 * what the issuance pipeline does when an HSM does.
 */
public interface CaKey {
  KeyAlgorithm algorithm();

  /**
   * Signs {@code data}, returning the signature in the encoding X.509 expects for {@link
   * KeyAlgorithm#signatureAlgorithm()}.
   */
  byte[] sign(byte[] data) throws SigningException;
}
