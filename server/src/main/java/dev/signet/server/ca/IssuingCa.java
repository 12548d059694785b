package dev.signet.server.ca;

import dev.signet.server.x509.X509;
import java.security.cert.X509Certificate;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;

/** A CA that signs: its certificate and the key that goes with it. */
public record IssuingCa(String label, X509Certificate certificate, CaKey key) {

  /** The CA's subject exactly as encoded in its certificate, to become leaves' issuer. */
  public X500Name subject() {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
  }

  public byte[] subjectKeyId() {
    return X509.subjectKeyIdentifier(certificate);
  }

  /** The CA's key identifier in hex: how the ledger names the issuer of a serial. */
  public String keyId() {
    return X509.hex(subjectKeyId());
  }

  public Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  @Override
  public String toString() {
    return "IssuingCa[" + label + ", " + certificate.getSubjectX500Principal() + "]";
  }
}
