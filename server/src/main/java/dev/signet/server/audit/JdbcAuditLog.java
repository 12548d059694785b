package dev.signet.server.audit;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;

/**
 * The audit trail as a hash chain in the ledger database. Appending locks the chain's head row, so
 * events from concurrent writers (several replicas on PostgreSQL) are chained one after another in
 * a single order, and an append is part of the transaction that made the decision it records.
 */
public final class JdbcAuditLog implements AuditLog {
  private final Database database;

  public JdbcAuditLog(Database database) {
    this.database = database;
  }

  @Override
  public void record(AuditEvent event) throws LedgerException {
    try {
      database.write(connection -> append(connection, database, event));
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot write the audit trail: " + e.getMessage(), e);
    }
  }

  /** Appends {@code event} to the chain within the caller's transaction; returns its sequence. */
  public static long append(Connection connection, Database database, AuditEvent event)
      throws SQLException {
    long previousSeq;
    String previousHash;
    try (PreparedStatement head =
            connection.prepareStatement(
                "SELECT seq, hash FROM audit_head WHERE id = 1" + database.forUpdate());
        ResultSet row = head.executeQuery()) {
      if (!row.next()) {
        throw new SQLException("the audit chain has no head row");
      }
      previousSeq = row.getLong(1);
      previousHash = row.getString(2);
    }
    long seq = previousSeq + 1;
    String hash = chainHash(previousHash, seq, event);
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO audit_events (seq, at, caller, caller_role, action, profile, node_name, decision,"
                + " reason, detail, serial, request_id, token_id, hash)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, seq);
      insert.setLong(2, event.at().toEpochMilli());
      List<String> fields = textFields(event);
      for (int i = 0; i < fields.size(); i++) {
        insert.setString(3 + i, fields.get(i));
      }
      insert.setString(14, hash);
      insert.executeUpdate();
    }
    try (PreparedStatement update =
        connection.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
      update.setLong(1, seq);
      update.setString(2, hash);
      update.executeUpdate();
    }
    return seq;
  }

  /**
   * SHA-256 over the previous hash, the sequence number, the time and every field, each
   * length-prefixed so that no two different events encode alike.
   */
  static String chainHash(String previousHash, long seq, AuditEvent event) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    field(bytes, previousHash);
    field(bytes, Long.toString(seq));
    field(bytes, Long.toString(event.at().toEpochMilli()));
    for (String value : textFields(event)) {
      field(bytes, value);
    }
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The event's text fields, in the column order of audit_events. */
  static List<String> textFields(AuditEvent event) {
    return List.of(
        event.caller(),
        event.callerRole(),
        event.action(),
        event.profile(),
        event.nodeName(),
        event.decision().name(),
        event.reason(),
        event.detail(),
        event.serial(),
        event.requestId(),
        event.tokenId());
  }

  private static void field(ByteArrayOutputStream out, String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.write(utf8.length >>> 24);
    out.write(utf8.length >>> 16);
    out.write(utf8.length >>> 8);
    out.write(utf8.length);
    out.writeBytes(utf8);
  }
}
