package dev.signet.common;

import java.security.PublicKey;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** Reads the named curve of an EC public key from its encoding, whatever provider made it. */
final class EcCurves {
  private EcCurves() {}

  /**
   * The OID of the named curve in the key's SubjectPublicKeyInfo; empty for explicit curve
   * parameters (which Signet never accepts) or an unreadable encoding.
   */
  static Optional<String> namedCurveOid(PublicKey key) {
    byte[] encoded = key.getEncoded();
    if (encoded == null) {
      return Optional.empty();
    }
    try {
      SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(encoded);
      ASN1Primitive parameters = info.getAlgorithm().getParameters().toASN1Primitive();
      if (parameters instanceof ASN1ObjectIdentifier oid) {
        return Optional.of(oid.getId());
      }
      return Optional.empty();
    } catch (RuntimeException unreadable) {
      return Optional.empty();
    }
  }
}
