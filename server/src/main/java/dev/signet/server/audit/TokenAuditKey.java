package dev.signet.server.audit;

import dev.signet.server.ca.CaKey;
import dev.signet.server.ca.SigningException;
import dev.signet.server.x509.X509;
import java.security.PublicKey;
import java.security.cert.X509Certificate;

/** The audit key in the token, named by the self-signed certificate stored beside it. */
public final class TokenAuditKey implements AuditKey {
  private final CaKey key;
  private final X509Certificate certificate;

  public TokenAuditKey(CaKey key, X509Certificate certificate) {
    this.key = key;
    this.certificate = certificate;
  }

  @Override
  public String keyId() {
    return X509.hex(X509.subjectKeyIdentifier(certificate));
  }

  @Override
  public String signatureAlgorithm() {
    return key.algorithm().signatureAlgorithm();
  }

  @Override
  public PublicKey publicKey() {
    return certificate.getPublicKey();
  }

  @Override
  public byte[] sign(byte[] data) throws SigningException {
    return key.sign(data);
  }
}
