package dev.signet.server.audit;

import dev.signet.server.database.LedgerException;
import java.util.List;

/** Reading the audit trail back, for auditors and SIEMs. */
public interface AuditTrail {
  /** One recorded event with its place in the chain. */
  record Recorded(long seq, AuditEvent event, String hash, String previousHash) {}

  /** Up to {@code limit} events after {@code seq}, oldest first. */
  List<Recorded> after(long seq, int limit) throws LedgerException;
}
