package dev.signet.common.audit;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Set;

/**
 * A checkpoint statement with the audit key's signature over its bytes. {@code keyId} is the hex
 * subject key identifier of the audit key; {@code signatureAlgorithm} the JCA name of the
 * algorithm.
 */
public record SignedCheckpoint(
    CheckpointStatement statement, String keyId, String signatureAlgorithm, byte[] signature) {
  /** What the audit key signs with: the algorithm of its kind (ECDSA P-256/P-384 or RSA). */
  public static final Set<String> ALGORITHMS =
      Set.of("SHA256withECDSA", "SHA384withECDSA", "SHA256withRSA");

  public SignedCheckpoint {
    if (!ALGORITHMS.contains(signatureAlgorithm)) {
      throw new IllegalArgumentException(
          "signatureAlgorithm must be one of " + ALGORITHMS + ", not '" + signatureAlgorithm + "'");
    }
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** Whether the signature is valid over the statement's bytes under {@code key}. */
  public boolean verifiesUnder(PublicKey key) {
    try {
      Signature verifier = Signature.getInstance(signatureAlgorithm);
      verifier.initVerify(key);
      verifier.update(statement.bytes());
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
