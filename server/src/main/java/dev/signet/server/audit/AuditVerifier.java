package dev.signet.server.audit;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.x509.Signatures;
import dev.signet.server.x509.X509;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

/**
 * Walks the audit chain from its first event and reports the first link that does not hold: a gap
 * in the sequence (a deleted row), a hash that does not match the event's fields and its
 * predecessor (an edited or reordered row), a head that disagrees with the last event (rows deleted
 * from the end), or a signed checkpoint whose signature or hash does not match (the chain
 * recomputed by someone without the audit key).
 */
public final class AuditVerifier {
  /** The audit key's public half and the signature algorithm of its checkpoints. */
  public record CheckpointKey(AsymmetricKeyParameter key, ASN1ObjectIdentifier signatureAlgorithm) {
    /** The checkpoint key of the audit key in the key store. */
    public static CheckpointKey of(CaKeyStore.StoredKey auditKey) {
      return new CheckpointKey(
          Signatures.verificationKey(
              SubjectPublicKeyInfo.getInstance(auditKey.certificate().getPublicKey().getEncoded())),
          X509.signatureAlgorithm(auditKey.key().algorithm()).getAlgorithm());
    }
  }

  /** The outcome: how many events and checkpoints were checked, and the first problem, if any. */
  public record Report(long events, long checkpoints, Optional<Problem> problem) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /** Where the chain breaks: the sequence number of the first bad event, and why. */
  public record Problem(long seq, String description) {}

  private AuditVerifier() {}

  /** Checks the chain, and its checkpoints when {@code checkpointKey} is given. */
  public static Report verify(Database database, Optional<CheckpointKey> checkpointKey)
      throws LedgerException {
    try (Connection connection = database.snapshotConnection()) {
      Report report = verify(connection, checkpointKey);
      connection.commit();
      return report;
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot read the audit trail: " + e.getMessage(), e);
    }
  }

  static Report verify(Connection connection, Optional<CheckpointKey> checkpointKey)
      throws SQLException {
    Map<Long, Checkpoint> checkpoints = checkpoints(connection);
    long expectedSeq = 1;
    String previousHash = "";
    try (PreparedStatement query =
            connection.prepareStatement(
                "SELECT seq, at, caller, caller_role, action, profile, node_name, decision, reason, detail,"
                    + " serial, request_id, token_id, hash FROM audit_events ORDER BY seq");
        ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        long seq = rows.getLong(1);
        if (seq != expectedSeq) {
          return broken(
              expectedSeq - 1,
              seq > expectedSeq
                  ? "event "
                      + expectedSeq
                      + " is missing: the sequence jumps from "
                      + (expectedSeq - 1)
                      + " to "
                      + seq
                  : "event " + seq + " appears out of order");
        }
        AuditEvent event;
        try {
          event =
              new AuditEvent(
                  Instant.ofEpochMilli(rows.getLong(2)),
                  rows.getString(3),
                  rows.getString(4),
                  rows.getString(5),
                  rows.getString(6),
                  rows.getString(7),
                  AuditEvent.Decision.valueOf(rows.getString(8)),
                  rows.getString(9),
                  rows.getString(10),
                  rows.getString(11),
                  rows.getString(12),
                  rows.getString(13));
        } catch (IllegalArgumentException e) {
          return broken(
              seq, "event " + seq + " has an unknown decision '" + rows.getString(8) + "'");
        }
        String expected = JdbcAuditLog.chainHash(previousHash, seq, event);
        if (!expected.equals(rows.getString(14))) {
          return broken(
              seq,
              "event "
                  + seq
                  + " does not match its hash: it was altered, or an event before it"
                  + " was removed or reordered");
        }
        Checkpoint checkpoint = checkpoints.get(seq);
        if (checkpoint != null && !checkpoint.hash().equals(expected)) {
          return broken(
              seq,
              "the signed checkpoint at event "
                  + seq
                  + " does not match the chain: events up to "
                  + seq
                  + " were rewritten");
        }
        previousHash = expected;
        expectedSeq++;
      }
    }
    long last = expectedSeq - 1;
    try (PreparedStatement head =
            connection.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet row = head.executeQuery()) {
      if (!row.next()) {
        return broken(last, "the chain's head row is missing");
      }
      if (row.getLong(1) != last || !row.getString(2).equals(previousHash)) {
        return broken(
            last,
            "the chain ends at event "
                + last
                + " but its head records event "
                + row.getLong(1)
                + ": events at the end were removed or altered");
      }
    }
    for (Checkpoint checkpoint : checkpoints.values()) {
      if (checkpoint.seq() > last) {
        return broken(
            last,
            "a signed checkpoint covers event "
                + checkpoint.seq()
                + ", beyond the chain's last event "
                + last
                + ": events were removed");
      }
      if (checkpointKey.isPresent()
          && !Signatures.verify(
              checkpointKey.get().key(),
              checkpointKey.get().signatureAlgorithm(),
              AuditCheckpoints.Checkpoint.signedBytes(
                  checkpoint.seq(), checkpoint.hash(), checkpoint.at()),
              checkpoint.signature())) {
        return broken(
            checkpoint.seq(),
            "the checkpoint at event "
                + checkpoint.seq()
                + " is not signed by the audit key: it was forged or altered");
      }
    }
    return new Report(last, checkpoints.size(), Optional.empty());
  }

  private record Checkpoint(long seq, String hash, Instant at, byte[] signature) {}

  private static Map<Long, Checkpoint> checkpoints(Connection connection) throws SQLException {
    Map<Long, Checkpoint> checkpoints = new TreeMap<>();
    try (PreparedStatement query =
            connection.prepareStatement("SELECT seq, hash, at, signature FROM audit_checkpoints");
        ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        checkpoints.put(
            rows.getLong(1),
            new Checkpoint(
                rows.getLong(1),
                rows.getString(2),
                Instant.ofEpochMilli(rows.getLong(3)),
                decode(rows.getString(4))));
      }
    }
    return checkpoints;
  }

  private static byte[] decode(String base64) {
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  private static Report broken(long seq, String description) {
    return new Report(Math.max(0, seq), 0, Optional.of(new Problem(seq, description)));
  }
}
