package dev.signet.server.ledger.jdbc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.RowSeals;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The ledger on SQLite or PostgreSQL through plain JDBC. The records of Signet API client
 * credentials are sealed ({@link RowSeals}), their revocation included: a credential a database
 * writer recorded, altered or un-revoked is refused.
 */
public final class JdbcCertificateStore implements CertificateStore {
  private static final String COLUMNS =
      "issuer_key_id, serial, state, profile, trust_domain, caller, request_id, request_hash,"
          + " node_name, subject, not_before, not_after, tbs_der, certificate_der, created_at,"
          + " revoked_at, revocation_reason, renewed_from";

  /**
   * The rows that hold their request id: INTENT and ISSUED, the rows without a failure (the
   * certificates_by_request index's condition, which recording a certificate leaves untouched).
   */
  private static final String LIVE = "failure IS NULL";

  /** Why a POSSIBLY_ISSUED row no longer holds its request id. */
  private static final String OUTCOME_UNKNOWN =
      "outcome unknown: signetd stopped between recording the intent and the certificate";

  static final String TABLE = "certificates";

  /**
   * Records a signed certificate on its intent's row. It sets no column that an index holds or that
   * a partial index's condition names, so the only page it writes is the row's own.
   */
  static final String RECORD_ISSUED =
      "UPDATE certificates SET state = 'ISSUED', certificate_der = ?, updated_at = ?"
          + " WHERE issuer_key_id = ? AND serial = ? AND state = 'INTENT'";

  /** The columns a credential's seal covers, after its serial. */
  private static final String SEALED =
      "serial, issuer_key_id, profile, trust_domain, caller, node_name, subject, not_before,"
          + " not_after, renewed_from, revoked_at";

  private final Database database;
  private final RowSeals seals;

  public JdbcCertificateStore(Database database, RowSeals seals) {
    this.database = database;
    this.seals = seals;
  }

  @Override
  public CredentialStanding credentialStanding(String serial) throws LedgerException {
    List<SealedRow> rows =
        database.query(
            "credential records",
            "SELECT "
                + SEALED
                + ", seal FROM certificates WHERE serial = ? AND profile = ?"
                + " AND state <> 'ABANDONED'",
            query -> {
              query.setString(1, serial);
              query.setString(2, Profile.SIGNET_API_CLIENT.id());
            },
            SealedRow::read);
    CredentialStanding standing = CredentialStanding.UNRECORDED;
    for (SealedRow row : rows) {
      if (seals.verify(TABLE, row.columns(), row.seal())) {
        if (row.columns().get(10) != null) {
          return CredentialStanding.REVOKED;
        }
        standing = CredentialStanding.LIVE;
      }
    }
    return standing;
  }

  /** As {@link JdbcNodes#sweep}, over the records of Signet API client credentials. */
  SealSweep sweep(boolean sealUnsealed) throws LedgerException {
    List<SealedRow> rows =
        database.query(
            "credential records",
            "SELECT "
                + SEALED
                + ", seal FROM certificates WHERE profile = ? ORDER BY serial, issuer_key_id",
            query -> query.setString(1, Profile.SIGNET_API_CLIENT.id()),
            SealedRow::read);
    List<String> broken = new ArrayList<>();
    List<String> sealedNow = new ArrayList<>();
    for (SealedRow sealed : rows) {
      List<String> row = sealed.columns();
      if (sealed.seal() == null && sealUnsealed) {
        String seal = seals.seal(TABLE, row);
        database.write(
            "seal credential " + row.get(0),
            connection -> writeSeal(connection, row.get(1), row.get(0), seal));
        sealedNow.add(row.get(0));
      } else if (!seals.intact(TABLE, row, sealed.seal())) {
        broken.add(row.get(0));
      }
    }
    return new SealSweep(TABLE, rows.size(), broken, sealedNow);
  }

  /**
   * Seals a credential's record again after a change inside a write (its revocation); other rows
   * are left alone.
   */
  private void reseal(Connection connection, String issuerKeyId, String serial)
      throws SQLException {
    List<String> row;
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT "
                + SEALED
                + " FROM certificates WHERE issuer_key_id = ? AND serial = ? AND profile = ?")) {
      query.setString(1, issuerKeyId);
      query.setString(2, serial);
      query.setString(3, Profile.SIGNET_API_CLIENT.id());
      try (ResultSet result = query.executeQuery()) {
        if (!result.next()) {
          return;
        }
        row = sealedColumns(result);
      }
    }
    String seal;
    try {
      seal = seals.seal(TABLE, row);
    } catch (LedgerException e) {
      throw new SQLException(e.getMessage(), e);
    }
    writeSeal(connection, issuerKeyId, serial, seal);
  }

  private static int writeSeal(
      Connection connection, String issuerKeyId, String serial, String seal) throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE certificates SET seal = ? WHERE issuer_key_id = ? AND serial = ?")) {
      update.setString(1, seal);
      update.setString(2, issuerKeyId);
      update.setString(3, serial);
      return update.executeUpdate();
    }
  }

  /** A credential record's sealed columns and its seal. */
  private record SealedRow(List<String> columns, String seal) {
    static SealedRow read(ResultSet row) throws SQLException {
      return new SealedRow(sealedColumns(row), row.getString("seal"));
    }
  }

  /** The sealed columns of a credential's record, as text, in {@link #SEALED}'s order. */
  private static List<String> sealedColumns(ResultSet row) throws SQLException {
    long revokedAt = row.getLong("revoked_at");
    String revoked = row.wasNull() ? null : Long.toString(revokedAt);
    return Arrays.asList(
        row.getString("serial"),
        row.getString("issuer_key_id"),
        row.getString("profile"),
        row.getString("trust_domain"),
        row.getString("caller"),
        row.getString("node_name"),
        row.getString("subject"),
        Long.toString(row.getLong("not_before")),
        Long.toString(row.getLong("not_after")),
        row.getString("renewed_from"),
        revoked);
  }

  /** A new intent's sealed columns, in {@link #SEALED}'s order (not revoked yet). */
  private static List<String> sealedColumns(Intent intent) {
    return Arrays.asList(
        intent.serial(),
        intent.issuerKeyId(),
        intent.profile().id(),
        intent.trustDomain().name(),
        intent.caller(),
        intent.nodeName(),
        intent.subject(),
        Long.toString(intent.notBefore().toEpochMilli()),
        Long.toString(intent.notAfter().toEpochMilli()),
        intent.renewedFrom().isEmpty() ? null : intent.renewedFrom(),
        null);
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
  public List<CertificateRecord> live(Profile profile, Optional<String> nodeName, Instant now)
      throws LedgerException {
    List<Object> parameters = new ArrayList<>(List.of(profile.id(), now.toEpochMilli()));
    nodeName.ifPresent(parameters::add);
    return query(
        "SELECT "
            + COLUMNS
            + " FROM certificates WHERE profile = ? AND not_after > ? AND revoked_at IS NULL"
            + " AND state IN ('INTENT', 'ISSUED', 'POSSIBLY_ISSUED')"
            + (nodeName.isPresent() ? " AND node_name = ?" : "")
            + " ORDER BY created_at, serial",
        parameters);
  }

  @Override
  public List<CertificateRecord> line(String serial) throws LedgerException {
    try (Connection connection = database.connection()) {
      List<CertificateRecord> line = line(connection, serial);
      connection.commit();
      return line;
    } catch (SQLException e) {
      throw unavailable(e);
    }
  }

  /**
   * Walks up the renewed_from links to the first credential, then down to every renewal of any
   * credential met; a line is short (one credential per renewal period), so one query per step.
   */
  private List<CertificateRecord> line(Connection connection, String serial) throws SQLException {
    String first = serial;
    Set<String> seen = new HashSet<>();
    while (seen.add(first)) {
      List<CertificateRecord> records = credentials(connection, "serial = ?", first);
      if (records.isEmpty() || records.get(0).renewedFrom().isEmpty()) {
        break;
      }
      first = records.get(0).renewedFrom().get();
    }
    List<CertificateRecord> line = new ArrayList<>(credentials(connection, "serial = ?", first));
    Set<String> inLine = new HashSet<>(List.of(first));
    for (int next = 0; next < line.size(); next++) {
      for (CertificateRecord renewal :
          credentials(connection, "renewed_from = ?", line.get(next).serial())) {
        if (inLine.add(renewal.serial())) {
          line.add(renewal);
        }
      }
    }
    return line;
  }

  private List<CertificateRecord> credentials(Connection connection, String condition, String value)
      throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT "
                + COLUMNS
                + " FROM certificates WHERE "
                + condition
                + " AND profile = ? AND state <> 'ABANDONED' ORDER BY created_at, serial")) {
      query.setString(1, value);
      query.setString(2, Profile.SIGNET_API_CLIENT.id());
      List<CertificateRecord> records = new ArrayList<>();
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          records.add(read(rows));
        }
      }
      return records;
    }
  }

  private static boolean revoked(Connection connection, String serial) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT COUNT(*) FROM certificates WHERE serial = ? AND profile = ?"
                + " AND revoked_at IS NOT NULL")) {
      query.setString(1, serial);
      query.setString(2, Profile.SIGNET_API_CLIENT.id());
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1) > 0;
      }
    }
  }

  @Override
  public List<CertificateRecord> revokeAll(
      List<Target> targets, int reasonCode, Instant at, Function<Target, AuditEvent> eventFor)
      throws LedgerException {
    database.write(
        "revoke " + targets.size() + " certificates",
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE certificates SET revoked_at = ?, revocation_reason = ?, updated_at = ?"
                      + " WHERE issuer_key_id = ? AND serial = ? AND revoked_at IS NULL"
                      + " AND state IN ('INTENT', 'ISSUED', 'POSSIBLY_ISSUED')")) {
            for (Target target : targets) {
              update.setLong(1, at.toEpochMilli());
              update.setString(2, Integer.toString(reasonCode));
              update.setLong(3, at.toEpochMilli());
              update.setString(4, target.issuerKeyId());
              update.setString(5, target.serial());
              if (update.executeUpdate() == 1) {
                reseal(connection, target.issuerKeyId(), target.serial());
                JdbcAuditLog.append(connection, database, eventFor.apply(target));
              }
            }
          }
          return null;
        });
    List<CertificateRecord> records = new ArrayList<>();
    for (Target target : targets) {
      findBySerial(target.serial()).stream()
          .filter(record -> record.issuerKeyId().equals(target.issuerKeyId()))
          .findFirst()
          .ifPresent(records::add);
    }
    return records;
  }

  /** Carries a refused renewal out of the write, which only lets SQL exceptions through. */
  private static final class PredecessorRevokedSignal extends SQLException {
    private static final long serialVersionUID = 1L;
    final String serial;

    PredecessorRevokedSignal(String serial) {
      super("credential " + serial + " has been revoked");
      this.serial = serial;
    }
  }

  @Override
  public List<RevokedEntry> revokedEntries(String issuerKeyId, Instant now) throws LedgerException {
    return database.query(
        "revoked certificates",
        "SELECT serial, revoked_at, revocation_reason FROM certificates"
            + " WHERE issuer_key_id = ? AND revoked_at IS NOT NULL AND not_after > ?"
            + " AND state IN ('ISSUED', 'POSSIBLY_ISSUED') ORDER BY serial",
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
            try (PreparedStatement settle =
                connection.prepareStatement(
                    "UPDATE certificates SET state = 'POSSIBLY_ISSUED', failure = ?,"
                        + " revoked_at = COALESCE(revoked_at, ?),"
                        + " revocation_reason = COALESCE(revocation_reason, '0'), updated_at = ?"
                        + " WHERE issuer_key_id = ? AND serial = ? AND state = 'INTENT'")) {
              for (int i = 0; i < serials.size(); i++) {
                settle.setString(1, OUTCOME_UNKNOWN);
                settle.setLong(2, now.toEpochMilli());
                settle.setLong(3, now.toEpochMilli());
                settle.setString(4, issuers.get(i));
                settle.setString(5, serials.get(i));
                if (settle.executeUpdate() == 1) {
                  reseal(connection, issuers.get(i), serials.get(i));
                  JdbcAuditLog.append(connection, database, auditFor.apply(serials.get(i)));
                }
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
            + " created_at, updated_at, renewed_from, seal)"
            + " VALUES (?, ?, 'INTENT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    String seal =
        intent.profile() == Profile.SIGNET_API_CLIENT
            ? seals.seal(TABLE, sealedColumns(intent))
            : null;
    try {
      database.write(
          connection -> {
            if (!intent.renewedFrom().isEmpty() && revoked(connection, intent.renewedFrom())) {
              // write transactions run one at a time, so a revocation of the line either saw
              // this intent (and revoked it too) or comes after this check
              throw new PredecessorRevokedSignal(intent.renewedFrom());
            }
            database.update(
                connection,
                sql,
                insert -> {
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
                  insert.setString(
                      15, intent.renewedFrom().isEmpty() ? null : intent.renewedFrom());
                  insert.setString(16, seal);
                });
            JdbcAuditLog.append(connection, database, event);
            return null;
          });
    } catch (PredecessorRevokedSignal e) {
      throw new LedgerException.PredecessorRevoked(e.serial);
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
        event, RECORD_ISSUED, serial, certificateDer, issuedAt.toEpochMilli(), issuerKeyId, serial);
  }

  @Override
  public void recordAbandoned(String issuerKeyId, String serial, String reason)
      throws LedgerException {
    updateIntent(
        null,
        "UPDATE certificates SET state = 'ABANDONED', failure = ?, updated_at = ?"
            + " WHERE issuer_key_id = ? AND serial = ? AND state = 'INTENT'",
        serial,
        Objects.requireNonNull(reason, "reason"), // a failure releases the request id
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
          int rows =
              database.update(
                  connection,
                  sql,
                  statement -> {
                    for (int i = 0; i < parameters.length; i++) {
                      statement.setObject(i + 1, parameters[i]);
                    }
                  });
          if (rows != 1) {
            throw new SQLException(
                "no pending intent for serial " + serial + " (" + rows + " rows)");
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
        revocation(rows),
        Optional.ofNullable(rows.getString("renewed_from")));
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
