package dev.signet.common.audit;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * Which audit key a verifier trusts: one it knows (the key in signetd's token, or a public key an
 * auditor pinned), or any audit key certified by a CA it trusts (the signet-api CA bundle every
 * Signet client has). Answers with the key to check a checkpoint's signature with.
 */
public interface AuditKeyTrust {
  /**
   * EKU id-kp-documentSigning (RFC 9336), which the audit key's certificate carries instead of any
   * TLS usage: the checkpoint statements are the documents it signs.
   */
  String DOCUMENT_SIGNING = "1.3.6.1.5.5.7.3.36";

  /**
   * The key that signed {@code checkpoint}, given the certificates its witness line carries (the
   * audit key's first); a WitnessException when it is not one this verifier trusts.
   */
  PublicKey keyFor(SignedCheckpoint checkpoint, List<X509Certificate> certificates)
      throws WitnessException;

  /** Trusts exactly {@code key}. */
  static AuditKeyTrust pinned(PublicKey key) {
    return (checkpoint, certificates) -> {
      if (!certificates.isEmpty()
          && !Arrays.equals(certificates.get(0).getPublicKey().getEncoded(), key.getEncoded())) {
        throw new WitnessException(
            "it was signed by another audit key than the one trusted here (key id "
                + checkpoint.keyId()
                + ")");
      }
      return key;
    };
  }

  /**
   * Trusts an audit key whose certificate (the first of the line's) was issued by one of {@code
   * cas}, was valid when the checkpoint was made, is no CA and is for document signing only.
   */
  static AuditKeyTrust certifiedBy(List<X509Certificate> cas) {
    return (checkpoint, certificates) -> {
      if (certificates.isEmpty()) {
        throw new WitnessException(
            "it carries no audit key certificate; verify it against the audit public key instead");
      }
      X509Certificate audit = certificates.get(0);
      Optional<X509Certificate> issuer = cas.stream().filter(ca -> issued(ca, audit)).findFirst();
      if (issuer.isEmpty()) {
        throw new WitnessException(
            "its audit key certificate ("
                + audit.getSubjectX500Principal().getName()
                + ") was not issued by a trusted CA");
      }
      Instant at = checkpoint.statement().at();
      try {
        audit.checkValidity(Date.from(at));
        List<String> usages = audit.getExtendedKeyUsage();
        boolean[] keyUsage = audit.getKeyUsage();
        if (audit.getBasicConstraints() != -1
            || usages == null
            || !usages.equals(List.of(DOCUMENT_SIGNING))
            || keyUsage == null
            || !keyUsage[0]) {
          throw new WitnessException(
              "its audit key certificate is not for signing audit checkpoints (CA:FALSE,"
                  + " digitalSignature, documentSigning)");
        }
      } catch (GeneralSecurityException e) {
        throw new WitnessException(
            "its audit key certificate was not valid at " + at + ": " + e.getMessage());
      }
      return audit.getPublicKey();
    };
  }

  private static boolean issued(X509Certificate ca, X509Certificate certificate) {
    if (!ca.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
      return false;
    }
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
