package dev.signet.server.ledger.jdbc;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.BootstrapTokens;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Optional;

/** Bootstrap tokens in the ledger database. */
public final class JdbcBootstrapTokens implements BootstrapTokens {
  private final Database database;

  public JdbcBootstrapTokens(Database database) {
    this.database = database;
  }

  @Override
  public void create(Token token) throws LedgerException {
    database.write(
        "store the bootstrap token",
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO bootstrap_tokens (id, secret_hash, node_name, addresses, created_by,"
                      + " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, token.id());
            insert.setString(2, token.secretHash());
            insert.setString(3, token.nodeName());
            insert.setString(4, String.join(",", token.addresses()));
            insert.setString(5, token.createdBy());
            insert.setLong(6, token.createdAt().toEpochMilli());
            insert.setLong(7, token.expiresAt().toEpochMilli());
            return insert.executeUpdate();
          }
        });
  }

  @Override
  public Optional<Token> find(String id) throws LedgerException {
    return database.queryFirst(
        "bootstrap tokens",
        "SELECT id, secret_hash, node_name, addresses, created_by, created_at, expires_at, used_at"
            + " FROM bootstrap_tokens WHERE id = ?",
        query -> query.setString(1, id),
        row -> {
          long usedAt = row.getLong(8);
          boolean unused = row.wasNull();
          return new Token(
              row.getString(1),
              row.getString(2),
              row.getString(3),
              JdbcNodes.split(row.getString(4)),
              row.getString(5),
              Instant.ofEpochMilli(row.getLong(6)),
              Instant.ofEpochMilli(row.getLong(7)),
              unused ? Optional.empty() : Optional.of(Instant.ofEpochMilli(usedAt)));
        });
  }

  @Override
  public boolean consume(String id, String usedBy, Instant now) throws LedgerException {
    return database.write(
        "spend the bootstrap token",
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE bootstrap_tokens SET used_at = ?, used_by = ?"
                      + " WHERE id = ? AND used_at IS NULL AND expires_at > ?")) {
            update.setLong(1, now.toEpochMilli());
            update.setString(2, usedBy);
            update.setString(3, id);
            update.setLong(4, now.toEpochMilli());
            return update.executeUpdate() == 1;
          }
        });
  }
}
