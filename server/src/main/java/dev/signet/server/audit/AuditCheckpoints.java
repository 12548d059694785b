package dev.signet.server.audit;

import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.server.database.LedgerException;
import java.util.List;
import java.util.Optional;

/** The chain of signed checkpoints of the audit trail, and the audit key's certificate. */
public interface AuditCheckpoints {
  /** The audit chain's head: the last event's sequence number and hash (0 and "" when empty). */
  record Head(long seq, String hash) {}

  Head head() throws LedgerException;

  /** The chain hash of event {@code seq}; empty when there is no such event. */
  Optional<String> eventHash(long seq) throws LedgerException;

  /**
   * The head as this process's newest committed write left it (see {@code Database#committedHead});
   * empty before its first write.
   */
  Optional<Head> committedHere();

  /** The checkpoint with the highest number. */
  Optional<SignedCheckpoint> newest() throws LedgerException;

  Optional<SignedCheckpoint> byNumber(long number) throws LedgerException;

  /** Up to {@code limit} checkpoints numbered above {@code number}, in order. */
  List<SignedCheckpoint> after(long number, int limit) throws LedgerException;

  /** Stores a checkpoint; false if one with its number exists already (another replica's). */
  boolean store(SignedCheckpoint checkpoint) throws LedgerException;

  /** The certificate (DER) the signet-api CA issued for the audit key {@code keyId}. */
  Optional<byte[]> auditKeyCertificate(String keyId) throws LedgerException;

  /** Records the audit key's certificate, replacing an earlier one. */
  void storeAuditKeyCertificate(String keyId, byte[] der) throws LedgerException;
}
