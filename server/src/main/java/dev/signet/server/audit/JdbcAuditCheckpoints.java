package dev.signet.server.audit;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** Audit checkpoints in the ledger database; signatures stored base64. */
public final class JdbcAuditCheckpoints implements AuditCheckpoints {
  private final Database database;

  public JdbcAuditCheckpoints(Database database) {
    this.database = database;
  }

  @Override
  public Head head() throws LedgerException {
    try (Connection connection = database.connection();
        PreparedStatement query =
            connection.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet row = query.executeQuery()) {
      if (!row.next()) {
        throw new LedgerException("the audit chain has no head row", null);
      }
      Head head = new Head(row.getLong(1), row.getString(2));
      connection.commit();
      return head;
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot read the audit chain: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Checkpoint> latest() throws LedgerException {
    List<Checkpoint> latest = read(" ORDER BY seq DESC LIMIT 1");
    return latest.stream().findFirst();
  }

  @Override
  public List<Checkpoint> all() throws LedgerException {
    return read(" ORDER BY seq");
  }

  private List<Checkpoint> read(String order) throws LedgerException {
    try (Connection connection = database.connection();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT seq, hash, at, key_id, signature FROM audit_checkpoints" + order);
        ResultSet rows = query.executeQuery()) {
      List<Checkpoint> checkpoints = new ArrayList<>();
      while (rows.next()) {
        checkpoints.add(
            new Checkpoint(
                rows.getLong(1),
                rows.getString(2),
                Instant.ofEpochMilli(rows.getLong(3)),
                rows.getString(4),
                Base64.getDecoder().decode(rows.getString(5))));
      }
      connection.commit();
      return checkpoints;
    } catch (SQLException | IllegalArgumentException e) {
      throw new LedgerException.Unavailable("cannot read audit checkpoints: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean store(Checkpoint checkpoint) throws LedgerException {
    try {
      return database.write(
          connection -> {
            try (PreparedStatement exists =
                connection.prepareStatement("SELECT 1 FROM audit_checkpoints WHERE seq = ?")) {
              exists.setLong(1, checkpoint.seq());
              try (ResultSet row = exists.executeQuery()) {
                if (row.next()) {
                  return false;
                }
              }
            }
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)")) {
              insert.setLong(1, checkpoint.seq());
              insert.setString(2, checkpoint.hash());
              insert.setLong(3, checkpoint.at().toEpochMilli());
              insert.setString(4, checkpoint.keyId());
              insert.setString(5, Base64.getEncoder().encodeToString(checkpoint.signature()));
              insert.executeUpdate();
              return true;
            }
          });
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState()) || e.getErrorCode() == 19) {
        return false;
      }
      throw new LedgerException.Unavailable(
          "cannot store the audit checkpoint: " + e.getMessage(), e);
    }
  }
}
