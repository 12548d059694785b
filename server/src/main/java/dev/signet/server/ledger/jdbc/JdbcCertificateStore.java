package dev.signet.server.ledger.jdbc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The ledger on SQLite or PostgreSQL through plain JDBC. */
public final class JdbcCertificateStore implements CertificateStore {
  private static final String COLUMNS =
      "issuer_key_id, serial, state, profile, trust_domain, caller, request_id, request_hash,"
          + " node_name, subject, not_before, not_after, tbs_der, certificate_der, created_at,"
          + " revoked_at, revocation_reason";

  /** The states in which a request id is taken (see the certificates_by_request index). */
  private static final String LIVE = "state IN ('INTENT', 'ISSUED')";

  private final Database database;

  public JdbcCertificateStore(Database database) {
    this.database = database;
  }

  @Override
  public Optional<CertificateRecord> findByRequest(String caller, String requestId)
      throws LedgerException {
    return query(
            "SELECT "
                + COLUMNS
                + " FROM certificates WHERE caller = ? AND request_id = ? AND "
                + LIVE,
            List.of(caller, requestId))
        .stream()
        .findFirst();
  }

  @Override
  public List<CertificateRecord> findBySerial(String serial) throws LedgerException {
    return query("SELECT " + COLUMNS + " FROM certificates WHERE serial = ?", List.of(serial));
  }

  @Override
  public List<CertificateRecord> list(Filter filter, int limit) throws LedgerException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM certificates WHERE");
    List<Object> parameters = new ArrayList<>();
    if (filter.state().isPresent()) {
      sql.append(" state = ?");
      parameters.add(filter.state().get().name());
    } else {
      sql.append(" state <> 'ABANDONED'");
    }
    filter
        .nodeName()
        .ifPresent(
            node -> {
              sql.append(" AND node_name = ?");
              parameters.add(node);
            });
    filter
        .profile()
        .ifPresent(
            profile -> {
              sql.append(" AND profile = ?");
              parameters.add(profile.id());
            });
    filter
        .expiringBefore()
        .ifPresent(
            before -> {
              sql.append(" AND not_after < ?");
              parameters.add(before.toEpochMilli());
            });
    if (filter.revokedOnly()) {
      sql.append(" AND revoked_at IS NOT NULL");
    } else if (!filter.includeRevoked()) {
      sql.append(" AND revoked_at IS NULL");
    }
    filter
        .after()
        .ifPresent(
            key -> {
              sql.append(" AND (not_after > ? OR (not_after = ? AND serial > ?))");
              parameters.add(key.notAfter().toEpochMilli());
              parameters.add(key.notAfter().toEpochMilli());
              parameters.add(key.serial());
            });
    sql.append(" ORDER BY not_after, serial LIMIT ").append(limit);
    return query(sql.toString(), parameters);
  }

  @Override
  public CertificateRecord revoke(
      String issuerKeyId, String serial, int reasonCode, Instant at, AuditEvent event)
      throws LedgerException {
    database.write(
        "revoke serial " + serial,
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE certificates SET revoked_at = ?, revocation_reason = ?, updated_at = ?"
                      + " WHERE issuer_key_id = ? AND serial = ? AND revoked_at IS NULL"
                      + " AND state IN ('ISSUED', 'POSSIBLY_ISSUED')")) {
            update.setLong(1, at.toEpochMilli());
            update.setString(2, Integer.toString(reasonCode));
            update.setLong(3, at.toEpochMilli());
            update.setString(4, issuerKeyId);
            update.setString(5, serial);
            if (update.executeUpdate() == 1) {
              JdbcAuditLog.append(connection, database, event);
            }
          }
          return null;
        });
    return findBySerial(serial).stream()
        .filter(record -> record.issuerKeyId().equals(issuerKeyId))
        .findFirst()
        .orElseThrow(
            () -> new LedgerException("serial " + serial + " vanished while being revoked", null));
  }

  @Override
  public List<RevokedEntry> revokedEntries(String issuerKeyId, Instant now) throws LedgerException {
    return database.query(
        "revoked certificates",
        "SELECT serial, revoked_at, revocation_reason FROM certificates"
            + " WHERE issuer_key_id = ? AND revoked_at IS NOT NULL AND not_after > ? ORDER BY serial",
        query -> {
          query.setString(1, issuerKeyId);
          query.setLong(2, now.toEpochMilli());
          query.setFetchSize(10_000);
        },
        row ->
            new RevokedEntry(
                row.getString(1),
                Instant.ofEpochMilli(row.getLong(2)),
                Integer.parseInt(row.getString(3))));
  }

  @Override
  public List<String> reconcileIntents(
      Instant olderThan, Instant now, Function<String, AuditEvent> auditFor)
      throws LedgerException {
    return database.write(
        "settle crashed intents",
        connection -> {
          List<String> serials = new ArrayList<>();
          List<String> issuers = new ArrayList<>();
          try (PreparedStatement stale =
              connection.prepareStatement(
                  "SELECT issuer_key_id, serial FROM certificates WHERE state = 'INTENT' AND created_at < ?"
                      + database.forUpdate())) {
            stale.setLong(1, olderThan.toEpochMilli());
            try (ResultSet rows = stale.executeQuery()) {
              while (rows.next()) {
                issuers.add(rows.getString(1));
                serials.add(rows.getString(2));
              }
            }
          }
          try (PreparedStatement settle =
              connection.prepareStatement(
                  "UPDATE certificates SET state = 'POSSIBLY_ISSUED', revoked_at = ?, revocation_reason = '0',"
                      + " updated_at = ? WHERE issuer_key_id = ? AND serial = ? AND state = 'INTENT'")) {
            for (int i = 0; i < serials.size(); i++) {
              settle.setLong(1, now.toEpochMilli());
              settle.setLong(2, now.toEpochMilli());
              settle.setString(3, issuers.get(i));
              settle.setString(4, serials.get(i));
              if (settle.executeUpdate() == 1) {
                JdbcAuditLog.append(connection, database, auditFor.apply(serials.get(i)));
              }
            }
          }
          return serials;
        });
  }

  private List<CertificateRecord> query(String sql, List<Object> parameters)
      throws LedgerException {
    return database.query(
        "certificates",
        sql,
        query -> {
          for (int i = 0; i < parameters.size(); i++) {
            query.setObject(i + 1, parameters.get(i));
          }
        },
        JdbcCertificateStore::read);
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
      if (Database.isDuplicateKey(e)) {
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
   * Runs an UPDATE that must change exactly the one INTENT row of {@code serial}, together with its
   * audit event when there is one.
   */
  private void updateIntent(AuditEvent event, String sql, String serial, Object... parameters)
      throws LedgerException {
    database.write(
        "record serial " + serial,
        connection -> {
          try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
              statement.setObject(i + 1, parameters[i]);
            }
            int rows = statement.executeUpdate();
            if (rows != 1) {
              throw new SQLException(
                  "no pending intent for serial " + serial + " (" + rows + " rows)");
            }
          }
          if (event != null) {
            JdbcAuditLog.append(connection, database, event);
          }
          return null;
        });
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
        Instant.ofEpochMilli(rows.getLong("created_at")),
        revocation(rows));
  }

  private static Optional<CertificateRecord.Revocation> revocation(ResultSet rows)
      throws SQLException {
    long revokedAt = rows.getLong("revoked_at");
    if (rows.wasNull()) {
      return Optional.empty();
    }
    return Optional.of(
        new CertificateRecord.Revocation(
            Instant.ofEpochMilli(revokedAt),
            Integer.parseInt(rows.getString("revocation_reason"))));
  }

  private static LedgerException unavailable(SQLException e) {
    return new LedgerException.Unavailable("ledger database error: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    database.close();
  }
}
