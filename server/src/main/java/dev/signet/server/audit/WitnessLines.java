package dev.signet.server.audit;

import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.common.audit.Witness;
import dev.signet.server.database.LedgerException;
import dev.signet.server.x509.X509;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checkpoints as witness lines, each carrying the certificate the signet-api CA issued for the key
 * that signed it (none when the ledger has none for that key: such a line is checked against the
 * audit public key).
 */
public final class WitnessLines {
  private final AuditCheckpoints store;
  private final Map<String, List<X509Certificate>> certificates = new ConcurrentHashMap<>();

  public WitnessLines(AuditCheckpoints store) {
    this.store = store;
  }

  public String line(SignedCheckpoint checkpoint) throws LedgerException {
    List<X509Certificate> chain = certificates.get(checkpoint.keyId());
    if (chain == null) {
      chain =
          store
              .auditKeyCertificate(checkpoint.keyId())
              .map(X509::parse)
              .map(List::of)
              .orElse(List.of());
      if (!chain.isEmpty()) {
        certificates.put(checkpoint.keyId(), chain);
      }
    }
    return Witness.line(checkpoint, chain);
  }
}
