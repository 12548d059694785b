package dev.signet.server.ledger.jdbc;

import dev.signet.server.ledger.AuditEvent;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.Ledger;
import dev.signet.server.ledger.LedgerException;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** The ledger on SQLite or PostgreSQL through plain JDBC. */
public final class JdbcLedger implements Ledger {
  private static final String COLUMNS =
      "issuer_key_id, serial, state, profile, trust_domain, caller, request_id, request_hash,"
          + " node_name, subject, not_before, not_after, tbs_der, certificate_der, created_at";

  private final Database database;

  public JdbcLedger(Database database) {
    this.database = database;
  }

  @Override
  public Optional<CertificateRecord> findByRequest(String caller, String requestId)
      throws LedgerException {
    String sql =
        "SELECT " + COLUMNS + " FROM certificates"
            + " WHERE caller = ? AND request_id = ? AND state <> 'ABANDONED'";
    try (Connection connection = database.connection();
        PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, caller);
      query.setString(2, requestId);
      Optional<CertificateRecord> found;
      try (ResultSet rows = query.executeQuery()) {
        found = rows.next() ? Optional.of(read(rows)) : Optional.empty();
      }
      connection.commit();
      return found;
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  @Override
  public void recordIntent(Intent intent, AuditEvent event) throws LedgerException {
    String sql =
        "INSERT INTO certificates (issuer_key_id, serial, state, profile, trust_domain, caller,"
            + " request_id, request_hash, node_name, subject, not_before, not_after, tbs_der,"
            + " created_at, updated_at) VALUES (?, ?, 'INTENT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    try {
      database.write(
          connection -> {
            try (PreparedStatement insert = connection.prepareStatement(sql)) {
              insert.setString(1, intent.issuerKeyId());
              insert.setString(2, intent.serial());
              insert.setString(3, intent.profile().id());
              insert.setString(4, intent.trustDomain().name());
              insert.setString(5, intent.caller());
              insert.setString(6, intent.requestId());
              insert.setBytes(7, intent.requestHash());
              insert.setString(8, intent.nodeName());
              insert.setString(9, intent.subject());
              insert.setLong(10, intent.notBefore().toEpochMilli());
              insert.setLong(11, intent.notAfter().toEpochMilli());
              insert.setBytes(12, intent.tbsDer());
              insert.setLong(13, intent.createdAt().toEpochMilli());
              insert.setLong(14, intent.createdAt().toEpochMilli());
              insert.executeUpdate();
            }
            JdbcAuditLog.append(connection, database, event);
            return null;
          });
    } catch (SQLException e) {
      if (isUniqueViolation(e)) {
        throw findByRequest(intent.caller(), intent.requestId()).isPresent()
            ? new LedgerException.DuplicateRequest(intent.requestId())
            : new LedgerException.DuplicateSerial(intent.serial());
      }
      throw unavailable(e);
    }
  }

  @Override
  public void recordIssued(
      String issuerKeyId, String serial, byte[] certificateDer, Instant issuedAt, AuditEvent event)
      throws LedgerException {
    updateIntent(
        event,
        "UPDATE certificates SET state = 'ISSUED', certificate_der = ?, updated_at = ?"
            + " WHERE issuer_key_id = ? AND serial = ? AND state = 'INTENT'",
        serial,
        certificateDer,
        issuedAt.toEpochMilli(),
        issuerKeyId,
        serial);
  }

  @Override
  public void recordAbandoned(String issuerKeyId, String serial, String reason)
      throws LedgerException {
    updateIntent(
        null,
        "UPDATE certificates SET state = 'ABANDONED', failure = ?, updated_at = ?"
            + " WHERE issuer_key_id = ? AND serial = ? AND state = 'INTENT'",
        serial,
        reason,
        System.currentTimeMillis(),
        issuerKeyId,
        serial);
  }

  /**
   * Runs an UPDATE that must change exactly the one INTENT row of {@code serial}, together with
   * its audit event when there is one.
   */
  private void updateIntent(AuditEvent event, String sql, String serial, Object... parameters)
      throws LedgerException {
    try {
      database.write(
          connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
              for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
              }
              int rows = statement.executeUpdate();
              if (rows != 1) {
                throw new SQLException("no pending intent for serial " + serial + " (" + rows + " rows)");
              }
            }
            if (event != null) {
              JdbcAuditLog.append(connection, database, event);
            }
            return null;
          });
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  private static CertificateRecord read(ResultSet rows) throws SQLException {
    return new CertificateRecord(
        rows.getString("issuer_key_id"),
        rows.getString("serial"),
        CertificateRecord.State.valueOf(rows.getString("state")),
        Profile.fromId(rows.getString("profile")),
        TrustDomain.valueOf(rows.getString("trust_domain")),
        rows.getString("caller"),
        rows.getString("request_id"),
        rows.getBytes("request_hash"),
        rows.getString("node_name"),
        rows.getString("subject"),
        Instant.ofEpochMilli(rows.getLong("not_before")),
        Instant.ofEpochMilli(rows.getLong("not_after")),
        rows.getBytes("tbs_der"),
        Optional.ofNullable(rows.getBytes("certificate_der")),
        Instant.ofEpochMilli(rows.getLong("created_at")));
  }

  /** SQLState 23505 (PostgreSQL) or SQLite's SQLITE_CONSTRAINT (19). */
  private static boolean isUniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState()) || e.getErrorCode() == 19;
  }

  private static LedgerException unavailable(SQLException e) {
    return new LedgerException.Unavailable("ledger database error: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    database.close();
  }
}
