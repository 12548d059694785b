package dev.signet.server.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What someone who can write the ledger database (but not use the token) can do to the audit trail,
 * with plain SQL on either engine: delete checkpoints, rewrite events and recompute every hash
 * exactly as Signet computes them, cut the newest events and move the head back.
 */
public final class AuditTampering {
  private AuditTampering() {}

  public static void deleteAllCheckpoints(Connection connection) throws SQLException {
    execute(connection, "DELETE FROM audit_checkpoints");
  }

  public static void deleteCheckpoint(Connection connection, long number) throws SQLException {
    execute(connection, "DELETE FROM audit_checkpoints WHERE number = " + number);
  }

  /** Deletes the checkpoints that cover events after {@code seq}. */
  public static void deleteCheckpointsAfterEvent(Connection connection, long seq)
      throws SQLException {
    execute(connection, "DELETE FROM audit_checkpoints WHERE seq > " + seq);
  }

  /** Deletes the events after {@code seq} and moves the head back to {@code seq}. */
  public static void truncateAfter(Connection connection, long seq) throws SQLException {
    execute(connection, "DELETE FROM audit_events WHERE seq > " + seq);
    try (PreparedStatement head =
        connection.prepareStatement(
            "UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_events WHERE seq = ?)"
                + " WHERE id = 1")) {
      head.setLong(1, seq);
      head.setLong(2, seq);
      head.executeUpdate();
    }
    commitIfNeeded(connection);
  }

  /**
   * Changes event {@code from}'s node name and recomputes the hash of every event from it on, and
   * the head: a consistent rewrite without the audit key.
   */
  public static void rewriteFrom(Connection connection, long from, String node)
      throws SQLException {
    String previous = "";
    if (from > 1) {
      try (PreparedStatement query =
          connection.prepareStatement("SELECT hash FROM audit_events WHERE seq = ?")) {
        query.setLong(1, from - 1);
        try (ResultSet row = query.executeQuery()) {
          row.next();
          previous = row.getString(1);
        }
      }
    }
    List<Object[]> updates = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT seq, at, caller, caller_role, action, profile, node_name, decision, reason,"
                + " detail, serial, request_id, token_id FROM audit_events WHERE seq >= ?"
                + " ORDER BY seq")) {
      query.setLong(1, from);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          long seq = rows.getLong(1);
          AuditEvent event =
              new AuditEvent(
                  Instant.ofEpochMilli(rows.getLong(2)),
                  rows.getString(3),
                  rows.getString(4),
                  rows.getString(5),
                  rows.getString(6),
                  seq == from ? node : rows.getString(7),
                  AuditEvent.Decision.valueOf(rows.getString(8)),
                  rows.getString(9),
                  rows.getString(10),
                  rows.getString(11),
                  rows.getString(12),
                  rows.getString(13));
          previous = JdbcAuditLog.chainHash(previous, seq, event);
          updates.add(new Object[] {seq, event.nodeName(), previous});
        }
      }
    }
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE audit_events SET node_name = ?, hash = ? WHERE seq = ?")) {
      for (Object[] row : updates) {
        update.setString(1, (String) row[1]);
        update.setString(2, (String) row[2]);
        update.setLong(3, (Long) row[0]);
        update.executeUpdate();
      }
    }
    try (PreparedStatement head =
        connection.prepareStatement("UPDATE audit_head SET hash = ? WHERE id = 1")) {
      head.setString(1, previous);
      head.executeUpdate();
    }
    commitIfNeeded(connection);
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
    commitIfNeeded(connection);
  }

  private static void commitIfNeeded(Connection connection) throws SQLException {
    if (!connection.getAutoCommit()) {
      connection.commit();
    }
  }
}
