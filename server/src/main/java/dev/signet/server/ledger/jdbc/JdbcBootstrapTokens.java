package dev.signet.server.ledger.jdbc;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.BootstrapTokens;
import dev.signet.server.ledger.RowSeals;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Bootstrap tokens in the ledger database. Each row is sealed ({@link RowSeals}), its spending
 * included: a token a database writer inserted, widened or un-spent is not found.
 */
public final class JdbcBootstrapTokens implements BootstrapTokens {
  static final String TABLE = "bootstrap_tokens";

  private static final String COLUMNS =
      "id, secret_hash, node_name, addresses, created_by, created_at, expires_at, used_at,"
          + " used_by, seal";

  private final Database database;
  private final RowSeals seals;

  public JdbcBootstrapTokens(Database database, RowSeals seals) {
    this.database = database;
    this.seals = seals;
  }

  @Override
  public void create(Token token) throws LedgerException {
    String seal = seals.seal(TABLE, columns(token, null));
    database.write(
        "store the bootstrap token",
        connection -> {
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO bootstrap_tokens (id, secret_hash, node_name, addresses, created_by,"
                      + " created_at, expires_at, seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, token.id());
            insert.setString(2, token.secretHash());
            insert.setString(3, token.nodeName());
            insert.setString(4, String.join(",", token.addresses()));
            insert.setString(5, token.createdBy());
            insert.setLong(6, token.createdAt().toEpochMilli());
            insert.setLong(7, token.expiresAt().toEpochMilli());
            insert.setString(8, seal);
            return insert.executeUpdate();
          }
        });
  }

  @Override
  public Optional<Token> find(String id) throws LedgerException {
    Optional<Sealed> row =
        database.queryFirst(
            "bootstrap tokens",
            "SELECT " + COLUMNS + " FROM bootstrap_tokens WHERE id = ?",
            query -> query.setString(1, id),
            JdbcBootstrapTokens::read);
    if (row.isEmpty()
        || !seals.verify(TABLE, columns(row.get().token(), row.get().usedBy()), row.get().seal())) {
      return Optional.empty();
    }
    return Optional.of(row.get().token());
  }

  @Override
  public boolean consume(Token token, String usedBy, Instant now) throws LedgerException {
    Token spent =
        new Token(
            token.id(),
            token.secretHash(),
            token.nodeName(),
            token.addresses(),
            token.createdBy(),
            token.createdAt(),
            token.expiresAt(),
            Optional.of(Instant.ofEpochMilli(now.toEpochMilli())));
    String seal = seals.seal(TABLE, columns(spent, usedBy));
    return database.write(
        "spend the bootstrap token",
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE bootstrap_tokens SET used_at = ?, used_by = ?, seal = ?"
                      + " WHERE id = ? AND used_at IS NULL AND expires_at > ?")) {
            update.setLong(1, now.toEpochMilli());
            update.setString(2, usedBy);
            update.setString(3, seal);
            update.setString(4, token.id());
            update.setLong(5, now.toEpochMilli());
            return update.executeUpdate() == 1;
          }
        });
  }

  /** As {@link JdbcNodes#sweep}. */
  SealSweep sweep(boolean sealUnsealed) throws LedgerException {
    List<Sealed> all =
        database.query(
            "bootstrap tokens",
            "SELECT " + COLUMNS + " FROM bootstrap_tokens ORDER BY id",
            query -> {},
            JdbcBootstrapTokens::read);
    List<String> broken = new ArrayList<>();
    List<String> sealedNow = new ArrayList<>();
    for (Sealed row : all) {
      List<String> columns = columns(row.token(), row.usedBy());
      if (row.seal() == null && sealUnsealed) {
        reseal(row.token().id(), seals.seal(TABLE, columns));
        sealedNow.add(row.token().id());
      } else if (!seals.intact(TABLE, columns, row.seal())) {
        broken.add(row.token().id());
      }
    }
    return new SealSweep(TABLE, all.size(), broken, sealedNow);
  }

  private void reseal(String id, String seal) throws LedgerException {
    database.write(
        "seal bootstrap token " + id,
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement("UPDATE bootstrap_tokens SET seal = ? WHERE id = ?")) {
            update.setString(1, seal);
            update.setString(2, id);
            return update.executeUpdate();
          }
        });
  }

  /** What the seal covers: every column, the token's spending included. */
  private static List<String> columns(Token token, String usedBy) {
    return Arrays.asList(
        token.id(),
        token.secretHash(),
        token.nodeName(),
        String.join(",", token.addresses()),
        token.createdBy(),
        Long.toString(token.createdAt().toEpochMilli()),
        Long.toString(token.expiresAt().toEpochMilli()),
        token.usedAt().map(at -> Long.toString(at.toEpochMilli())).orElse(null),
        usedBy);
  }

  private static Sealed read(ResultSet row) throws SQLException {
    long usedAt = row.getLong(8);
    boolean unused = row.wasNull();
    return new Sealed(
        new Token(
            row.getString(1),
            row.getString(2),
            row.getString(3),
            JdbcNodes.split(row.getString(4)),
            row.getString(5),
            Instant.ofEpochMilli(row.getLong(6)),
            Instant.ofEpochMilli(row.getLong(7)),
            unused ? Optional.empty() : Optional.of(Instant.ofEpochMilli(usedAt))),
        row.getString(9),
        row.getString(10));
  }

  private record Sealed(Token token, String usedBy, String seal) {}
}
