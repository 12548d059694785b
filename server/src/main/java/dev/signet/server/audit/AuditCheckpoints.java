package dev.signet.server.audit;

import dev.signet.server.database.LedgerException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Signed checkpoints of the audit chain. */
public interface AuditCheckpoints {
  /** The chain hash at {@code seq}, signed by the audit key {@code keyId} (hex SKI). */
  record Checkpoint(long seq, String hash, Instant at, String keyId, byte[] signature) {
    /** What the signature covers: a fixed label, then sequence number, hash and time. */
    public static byte[] signedBytes(long seq, String hash, Instant at) {
      return ("signet-audit-checkpoint\n" + seq + "\n" + hash + "\n" + at.toEpochMilli() + "\n")
          .getBytes(StandardCharsets.US_ASCII);
    }
  }

  /** The chain's head: the last event's sequence number and hash. */
  record Head(long seq, String hash) {}

  Head head() throws LedgerException;

  Optional<Checkpoint> latest() throws LedgerException;

  List<Checkpoint> all() throws LedgerException;

  /** Stores a checkpoint; false if one for that sequence number exists already. */
  boolean store(Checkpoint checkpoint) throws LedgerException;
}
