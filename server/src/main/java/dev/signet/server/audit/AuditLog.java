package dev.signet.server.audit;

import dev.signet.server.database.LedgerException;

/** The append-only, hash-chained audit trail. */
public interface AuditLog {
  /** Appends an event; durable when this returns. */
  void record(AuditEvent event) throws LedgerException;
}
