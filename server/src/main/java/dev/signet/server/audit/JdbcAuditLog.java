package dev.signet.server.audit;

import dev.signet.common.audit.EventHash;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The audit trail as a hash chain in the ledger database. Appending locks the chain's head row, so
 * events from concurrent writers (several replicas on PostgreSQL) are chained one after another in
 * a single order, and an append is part of the transaction that made the decision it records.
 */
public final class JdbcAuditLog implements AuditLog, AuditTrail {
  private final Database database;

  public JdbcAuditLog(Database database) {
    this.database = database;
  }

  @Override
  public void record(AuditEvent event) throws LedgerException {
    database.write("write the audit trail", connection -> append(connection, database, event));
  }

  @Override
  public List<Recorded> after(long seq, int limit) throws LedgerException {
    try (Connection connection = database.connection();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT seq, at, caller, caller_role, action, profile, node_name, decision, reason,"
                    + " detail, serial, request_id, token_id, hash FROM audit_events"
                    + " WHERE seq >= ? ORDER BY seq LIMIT "
                    + (Math.max(1, limit) + 1))) {
      // one event more, from seq itself: its hash is the first one's previous hash
      query.setLong(1, seq);
      List<Recorded> events = new ArrayList<>();
      String previous = "";
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          long rowSeq = rows.getLong(1);
          String hash = rows.getString(14);
          if (rowSeq > seq) {
            events.add(new Recorded(rowSeq, event(rows), hash, previous));
          }
          previous = hash;
        }
      }
      connection.commit();
      return events.size() > limit ? events.subList(0, limit) : events;
    } catch (SQLException | IllegalArgumentException e) {
      throw new LedgerException.Unavailable("cannot read the audit trail: " + e.getMessage(), e);
    }
  }

  /**
   * Appends {@code event} to the chain within the caller's transaction; returns its sequence. In a
   * batch of the ledger writer, which holds the chain's head already, the head is extended in
   * memory and written back once per batch; otherwise it is read (and locked) and updated here.
   */
  public static long append(Connection connection, Database database, AuditEvent event)
      throws SQLException {
    Optional<Database.LockedHead> locked = database.lockedHead(connection);
    long previousSeq;
    String previousHash;
    if (locked.isPresent()) {
      previousSeq = locked.get().seq();
      previousHash = locked.get().hash();
    } else {
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
    }
    long seq = previousSeq + 1;
    String hash = chainHash(previousHash, seq, event);
    database.update(
        connection,
        "INSERT INTO audit_events (seq, at, caller, caller_role, action, profile, node_name,"
            + " decision, reason, detail, serial, request_id, token_id, hash)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        insert -> {
          insert.setLong(1, seq);
          insert.setLong(2, event.at().toEpochMilli());
          List<String> fields = textFields(event);
          for (int i = 0; i < fields.size(); i++) {
            insert.setString(3 + i, fields.get(i));
          }
          insert.setString(14, hash);
        });
    if (locked.isPresent()) {
      locked.get().advance(seq, hash);
    } else {
      try (PreparedStatement update =
          connection.prepareStatement("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")) {
        update.setLong(1, seq);
        update.setString(2, hash);
        update.executeUpdate();
      }
    }
    return seq;
  }

  /**
   * The event in columns 2 to 13 of the current row (after seq), in the order the events table
   * holds them.
   *
   * @throws IllegalArgumentException when the decision column names no decision
   */
  static AuditEvent event(ResultSet rows) throws SQLException {
    return new AuditEvent(
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
  }

  /** The event's chain hash, as {@link EventHash} defines it. */
  static String chainHash(String previousHash, long seq, AuditEvent event) {
    return EventHash.of(previousHash, seq, event.at().toEpochMilli(), textFields(event));
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
}
