package dev.signet.server.audit;

import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.x509.X509;
import java.security.PublicKey;

/** The audit key in the key store, named by the self-signed certificate stored beside it. */
public final class StoredAuditKey implements AuditKey {
  private final CaKeyStore.StoredKey stored;

  public StoredAuditKey(CaKeyStore.StoredKey stored) {
    this.stored = stored;
  }

  @Override
  public String keyId() {
    return X509.hex(X509.subjectKeyIdentifier(stored.certificate()));
  }

  @Override
  public String signatureAlgorithm() {
    return stored.key().algorithm().signatureAlgorithm();
  }

  @Override
  public PublicKey publicKey() {
    return stored.certificate().getPublicKey();
  }

  @Override
  public byte[] sign(byte[] data) throws SigningException {
    return stored.key().sign(data);
  }
}
