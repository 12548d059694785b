package dev.signet.server.audit;

import dev.signet.common.audit.CheckpointStatement;
import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** The chain of audit checkpoints in the ledger database; signatures stored base64. */
public final class JdbcAuditCheckpoints implements AuditCheckpoints {
  static final String COLUMNS =
      "number, seq, event_hash, previous_hash, at, kind, key_id, signature_algorithm, signature";

  private final Database database;

  public JdbcAuditCheckpoints(Database database) {
    this.database = database;
  }

  @Override
  public Head head() throws LedgerException {
    return database
        .queryFirst(
            "the audit chain",
            "SELECT seq, hash FROM audit_head WHERE id = 1",
            query -> {},
            row -> new Head(row.getLong(1), row.getString(2)))
        .orElseThrow(
            () -> new LedgerException.Unavailable("the audit chain has no head row", null));
  }

  static Head head(Connection connection) throws SQLException {
    try (PreparedStatement query =
            connection.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet row = query.executeQuery()) {
      if (!row.next()) {
        throw new SQLException("the audit chain has no head row");
      }
      return new Head(row.getLong(1), row.getString(2));
    }
  }

  @Override
  public Optional<String> eventHash(long seq) throws LedgerException {
    if (seq == 0) {
      return Optional.of("");
    }
    return database.queryFirst(
        "the audit chain",
        "SELECT hash FROM audit_events WHERE seq = ?",
        query -> query.setLong(1, seq),
        row -> row.getString(1));
  }

  @Override
  public Optional<Head> committedHere() {
    return database.committedHead().map(head -> new Head(head.seq(), head.hash()));
  }

  @Override
  public Optional<SignedCheckpoint> newest() throws LedgerException {
    return read(" ORDER BY number DESC LIMIT 1", -1).stream().findFirst();
  }

  @Override
  public Optional<SignedCheckpoint> byNumber(long number) throws LedgerException {
    return read(" WHERE number = ?", number).stream().findFirst();
  }

  @Override
  public List<SignedCheckpoint> after(long number, int limit) throws LedgerException {
    return read(" WHERE number > ? ORDER BY number LIMIT " + Math.max(1, limit), number);
  }

  private List<SignedCheckpoint> read(String condition, long number) throws LedgerException {
    try {
      return database.query(
          "audit checkpoints",
          "SELECT " + COLUMNS + " FROM audit_checkpoints" + condition,
          query -> {
            if (number >= 0) {
              query.setLong(1, number);
            }
          },
          JdbcAuditCheckpoints::checkpoint);
    } catch (IllegalArgumentException e) {
      throw new LedgerException.Unavailable("cannot read audit checkpoints: " + e.getMessage(), e);
    }
  }

  /**
   * The checkpoint of a row selected with {@link #COLUMNS}; IllegalArgumentException when a field
   * is malformed (someone wrote the row by hand).
   */
  static SignedCheckpoint checkpoint(ResultSet row) throws SQLException {
    return new SignedCheckpoint(
        new CheckpointStatement(
            row.getLong(1),
            row.getLong(2),
            row.getString(3),
            row.getString(4),
            Instant.ofEpochMilli(row.getLong(5)),
            CheckpointStatement.Kind.of(row.getString(6))),
        row.getString(7),
        row.getString(8),
        Base64.getDecoder().decode(row.getString(9)));
  }

  @Override
  public boolean store(SignedCheckpoint checkpoint) throws LedgerException {
    CheckpointStatement statement = checkpoint.statement();
    try {
      return database.write(
          connection -> {
            try (PreparedStatement exists =
                connection.prepareStatement("SELECT 1 FROM audit_checkpoints WHERE number = ?")) {
              exists.setLong(1, statement.number());
              try (ResultSet row = exists.executeQuery()) {
                if (row.next()) {
                  return false;
                }
              }
            }
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO audit_checkpoints ("
                        + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
              insert.setLong(1, statement.number());
              insert.setLong(2, statement.seq());
              insert.setString(3, statement.eventHash());
              insert.setString(4, statement.previousHash());
              insert.setLong(5, statement.at().toEpochMilli());
              insert.setString(6, statement.kind().id());
              insert.setString(7, checkpoint.keyId());
              insert.setString(8, checkpoint.signatureAlgorithm());
              insert.setString(9, Base64.getEncoder().encodeToString(checkpoint.signature()));
              insert.executeUpdate();
              return true;
            }
          });
    } catch (SQLException e) {
      if (Database.isDuplicateKey(e)) {
        return false;
      }
      throw new LedgerException.Unavailable(
          "cannot store the audit checkpoint: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<byte[]> auditKeyCertificate(String keyId) throws LedgerException {
    return database.queryFirst(
        "the audit key's certificate",
        "SELECT certificate FROM audit_key_certificates WHERE key_id = ?",
        query -> query.setString(1, keyId),
        row -> row.getBytes(1));
  }

  @Override
  public void storeAuditKeyCertificate(String keyId, byte[] der) throws LedgerException {
    database.write(
        "store the audit key's certificate",
        connection -> {
          try (PreparedStatement delete =
              connection.prepareStatement("DELETE FROM audit_key_certificates WHERE key_id = ?")) {
            delete.setString(1, keyId);
            delete.executeUpdate();
          }
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO audit_key_certificates (key_id, certificate, created_at)"
                      + " VALUES (?, ?, ?)")) {
            insert.setString(1, keyId);
            insert.setBytes(2, der);
            insert.setLong(3, System.currentTimeMillis());
            insert.executeUpdate();
          }
          return null;
        });
  }
}
