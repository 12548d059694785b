package dev.signet.server.ledger;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CaGenerations.State;
import java.time.Instant;
import java.util.List;

/**
 * The recorded generations of the service-account token signing key (see
 * signet.v1.ServiceAccountKeys): which key in the token signs, which are only published for
 * verification. Its states are a CA generation's, with the same meaning.
 */
public interface ServiceAccountKeyGenerations {
  /** One generation: its key's label in the token and its state since {@code changedAt}. */
  record Generation(int number, String keyLabel, State state, Instant changedAt) {}

  /** Every recorded generation, by number. Empty before the first rotation. */
  List<Generation> all() throws LedgerException;

  /**
   * Replaces the generations with {@code generations} and appends {@code event}, in one
   * transaction, provided the recorded generations are still {@code expected} (optimistic
   * concurrency between replicas). Returns false, changing nothing, otherwise.
   */
  boolean replace(List<Generation> expected, List<Generation> generations, AuditEvent event)
      throws LedgerException;
}
