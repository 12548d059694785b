package dev.signet.server.audit;

import dev.signet.server.keystore.SigningException;
import java.security.PublicKey;

/**
 * The audit key: signs checkpoint statements and nothing else, and never leaves the token. The only
 * seam between the audit trail and the key store.
 */
public interface AuditKey {
  /** Hex subject key identifier of the key, which checkpoints name. */
  String keyId();

  /** The JCA name of the signature algorithm (SHA256withECDSA, SHA384withECDSA, SHA256withRSA). */
  String signatureAlgorithm();

  PublicKey publicKey();

  byte[] sign(byte[] data) throws SigningException;
}
