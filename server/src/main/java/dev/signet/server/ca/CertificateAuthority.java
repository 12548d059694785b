package dev.signet.server.ca;

import dev.signet.server.keystore.SigningKey;
import dev.signet.server.x509.Signatures;
import dev.signet.server.x509.X509;
import java.security.cert.X509Certificate;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** A CA that signs: its certificate and the key that goes with it. */
public final class CertificateAuthority {
  private final String label;
  private final X509Certificate certificate;
  private final SigningKey key;
  private final byte[] subjectKeyId;
  private final AlgorithmIdentifier signatureAlgorithm;
  private final Signatures.KeyVerifier verifier;

  public CertificateAuthority(String label, X509Certificate certificate, SigningKey key) {
    this.label = label;
    this.certificate = certificate;
    this.key = key;
    this.subjectKeyId = X509.subjectKeyIdentifier(certificate);
    this.signatureAlgorithm = X509.signatureAlgorithm(key.algorithm());
    this.verifier =
        Signatures.keyVerifier(
            SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded()),
            signatureAlgorithm.getAlgorithm());
  }

  public String label() {
    return label;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public SigningKey key() {
    return key;
  }

  /** The signature algorithm of everything this CA signs. */
  public AlgorithmIdentifier signatureAlgorithm() {
    return signatureAlgorithm;
  }

  /** The CA's subject exactly as encoded in its certificate, to become leaves' issuer. */
  public X500Name subject() {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
  }

  public byte[] subjectKeyId() {
    return subjectKeyId.clone();
  }

  /** The CA's key identifier in hex: how the ledger names the issuer of a serial. */
  public String keyId() {
    return X509.hex(subjectKeyId);
  }

  public Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /**
   * Whether {@code signature} over {@code data} verifies under this CA's public key: how every
   * signature the token returns is checked before a certificate leaves the daemon.
   */
  public boolean verifies(byte[] data, byte[] signature) {
    return verifier.verify(data, signature);
  }

  @Override
  public String toString() {
    return "CertificateAuthority[" + label + ", " + certificate.getSubjectX500Principal() + "]";
  }
}
