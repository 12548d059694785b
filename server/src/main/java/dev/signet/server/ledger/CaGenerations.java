package dev.signet.server.ledger;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.KeyGeneration.State;
import dev.signet.server.profile.TrustDomain;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The recorded generations of each trust domain's CA (see signet.v1.Ca). */
public interface CaGenerations {
  /** One generation: its key in the token, its state and the old CA's cross certificate, if any. */
  record Generation(
      TrustDomain domain,
      int number,
      String keyLabel,
      State state,
      Optional<byte[]> crossCertificate,
      Instant changedAt)
      implements KeyGeneration<Generation> {
    @Override
    public Generation with(State state, Instant changedAt) {
      return new Generation(domain, number, keyLabel, state, crossCertificate, changedAt);
    }
  }

  /** Whether two lists hold the same generations (cross certificates compared by content). */
  static boolean same(List<Generation> a, List<Generation> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Generation x = a.get(i);
      Generation y = b.get(i);
      if (x.domain() != y.domain()
          || x.number() != y.number()
          || !x.keyLabel().equals(y.keyLabel())
          || x.state() != y.state()
          || !Arrays.equals(x.crossCertificate().orElse(null), y.crossCertificate().orElse(null))) {
        return false;
      }
    }
    return true;
  }

  /** Every recorded generation, by domain and number. Empty for domains never rotated. */
  List<Generation> all() throws LedgerException;

  /**
   * Replaces a domain's generations with {@code generations} and appends {@code event}, in one
   * transaction, provided the domain's recorded generations are still {@code expected} (optimistic
   * concurrency between replicas). Returns false, changing nothing, otherwise.
   */
  boolean replace(
      TrustDomain domain, List<Generation> expected, List<Generation> generations, AuditEvent event)
      throws LedgerException;

  /** Unexpired, unrevoked certificates an issuer key signed: what keeps its CA from retiring. */
  long liveCertificates(String issuerKeyId, Instant now) throws LedgerException;
}
