package dev.signet.server.ledger.jdbc;

import dev.signet.server.ledger.AuditEvent;
import dev.signet.server.ledger.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * Walks the audit chain from its first event and reports the first link that does not hold: a
 * gap in the sequence (a deleted row), a hash that does not match the event's fields and its
 * predecessor (an edited or reordered row), or a head that disagrees with the last event (rows
 * deleted from the end).
 */
public final class AuditVerifier {
  /** The outcome: how many events were checked, and the first problem, if any. */
  public record Report(long events, Optional<Problem> problem) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /** Where the chain breaks: the sequence number of the first bad event, and why. */
  public record Problem(long seq, String description) {}

  private AuditVerifier() {}

  public static Report verify(Database database) throws LedgerException {
    try (Connection connection = database.connection()) {
      Report report = verify(connection);
      connection.commit();
      return report;
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot read the audit trail: " + e.getMessage(), e);
    }
  }

  static Report verify(Connection connection) throws SQLException {
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
          return broken(expectedSeq - 1, seq > expectedSeq
              ? "event " + expectedSeq + " is missing: the sequence jumps from " + (expectedSeq - 1) + " to " + seq
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
          return broken(seq, "event " + seq + " has an unknown decision '" + rows.getString(8) + "'");
        }
        String expected = JdbcAuditLog.chainHash(previousHash, seq, event);
        if (!expected.equals(rows.getString(14))) {
          return broken(seq, "event " + seq + " does not match its hash: it was altered, or an event before it"
              + " was removed or reordered");
        }
        previousHash = expected;
        expectedSeq++;
      }
    }
    long last = expectedSeq - 1;
    try (PreparedStatement head = connection.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet row = head.executeQuery()) {
      if (!row.next()) {
        return broken(last, "the chain's head row is missing");
      }
      if (row.getLong(1) != last || !row.getString(2).equals(previousHash)) {
        return broken(last, "the chain ends at event " + last + " but its head records event " + row.getLong(1)
            + ": events at the end were removed or altered");
      }
    }
    return new Report(last, Optional.empty());
  }

  private static Report broken(long seq, String description) {
    return new Report(Math.max(0, seq), Optional.of(new Problem(seq, description)));
  }
}
