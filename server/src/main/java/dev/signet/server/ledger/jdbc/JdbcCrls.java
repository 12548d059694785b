package dev.signet.server.ledger.jdbc;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.Crls;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** CRLs in the ledger database. */
public final class JdbcCrls implements Crls {
  private final Database database;

  public JdbcCrls(Database database) {
    this.database = database;
  }

  @Override
  public Optional<Summary> latestSummary(String issuerKeyId) throws LedgerException {
    return database.queryFirst(
        "CRLs",
        "SELECT number, this_update, next_update, LENGTH(der) FROM crls"
            + " WHERE issuer_key_id = ? ORDER BY number DESC LIMIT 1",
        query -> query.setString(1, issuerKeyId),
        row ->
            new Summary(
                row.getLong(1),
                Instant.ofEpochMilli(row.getLong(2)),
                Instant.ofEpochMilli(row.getLong(3)),
                row.getLong(4)));
  }

  @Override
  public Optional<Crl> latest(String issuerKeyId) throws LedgerException {
    return database.queryFirst(
        "CRLs",
        "SELECT number, this_update, next_update, der FROM crls WHERE issuer_key_id = ?"
            + " ORDER BY number DESC LIMIT 1",
        query -> query.setString(1, issuerKeyId),
        row ->
            new Crl(
                issuerKeyId,
                row.getLong(1),
                Instant.ofEpochMilli(row.getLong(2)),
                Instant.ofEpochMilli(row.getLong(3)),
                row.getBytes(4)));
  }

  @Override
  public boolean store(Crl crl) throws LedgerException {
    try {
      return database.write(
          connection -> {
            try (PreparedStatement exists =
                connection.prepareStatement(
                    "SELECT 1 FROM crls WHERE issuer_key_id = ? AND number = ?")) {
              exists.setString(1, crl.issuerKeyId());
              exists.setLong(2, crl.number());
              try (ResultSet row = exists.executeQuery()) {
                if (row.next()) {
                  return false;
                }
              }
            }
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO crls (issuer_key_id, number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?)")) {
              insert.setString(1, crl.issuerKeyId());
              insert.setLong(2, crl.number());
              insert.setLong(3, crl.thisUpdate().toEpochMilli());
              insert.setLong(4, crl.nextUpdate().toEpochMilli());
              insert.setBytes(5, crl.der());
              insert.executeUpdate();
              return true;
            }
          });
    } catch (SQLException e) {
      if (Database.isDuplicateKey(e)) {
        return false;
      }
      throw new LedgerException.Unavailable("cannot store the CRL: " + e.getMessage(), e);
    }
  }
}
