package dev.signet.server.ledger.jdbc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CaGenerations;
import dev.signet.server.profile.TrustDomain;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** CA generations in the ledger database. */
public final class JdbcCaGenerations implements CaGenerations {
  private final Database database;

  public JdbcCaGenerations(Database database) {
    this.database = database;
  }

  @Override
  public List<Generation> all() throws LedgerException {
    try (Connection connection = database.connection()) {
      List<Generation> generations = read(connection, null);
      connection.commit();
      return generations;
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot read CA generations: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean replace(
      TrustDomain domain, List<Generation> expected, List<Generation> generations, AuditEvent event)
      throws LedgerException {
    return database.write(
        "record the CA rotation",
        connection -> {
          if (!CaGenerations.same(read(connection, domain), expected)) {
            return false;
          }
          try (PreparedStatement delete =
              connection.prepareStatement("DELETE FROM ca_generations WHERE trust_domain = ?")) {
            delete.setString(1, domain.name());
            delete.executeUpdate();
          }
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO ca_generations (trust_domain, generation, key_label, state, cross_certificate, changed_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Generation generation : generations) {
              insert.setString(1, domain.name());
              insert.setInt(2, generation.number());
              insert.setString(3, generation.keyLabel());
              insert.setString(4, generation.state().name());
              insert.setBytes(5, generation.crossCertificate().orElse(null));
              insert.setLong(6, generation.changedAt().toEpochMilli());
              insert.executeUpdate();
            }
          }
          JdbcAuditLog.append(connection, database, event);
          return true;
        });
  }

  @Override
  public long liveCertificates(String issuerKeyId, Instant now) throws LedgerException {
    return database
        .queryFirst(
            "live certificates",
            "SELECT COUNT(*) FROM certificates WHERE issuer_key_id = ? AND state = 'ISSUED'"
                + " AND revoked_at IS NULL AND not_after > ?",
            query -> {
              query.setString(1, issuerKeyId);
              query.setLong(2, now.toEpochMilli());
            },
            row -> row.getLong(1))
        .orElseThrow();
  }

  /** A domain's generations (all domains' when {@code domain} is null), locked for update. */
  private List<Generation> read(Connection connection, TrustDomain domain) throws SQLException {
    String sql =
        "SELECT trust_domain, generation, key_label, state, cross_certificate, changed_at FROM ca_generations"
            + (domain == null ? "" : " WHERE trust_domain = ?")
            + " ORDER BY trust_domain, generation"
            + (domain == null ? "" : database.forUpdate());
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      if (domain != null) {
        query.setString(1, domain.name());
      }
      List<Generation> generations = new ArrayList<>();
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          generations.add(
              new Generation(
                  TrustDomain.valueOf(rows.getString(1)),
                  rows.getInt(2),
                  rows.getString(3),
                  State.valueOf(rows.getString(4)),
                  Optional.ofNullable(rows.getBytes(5)),
                  Instant.ofEpochMilli(rows.getLong(6))));
        }
      }
      return generations;
    }
  }
}
