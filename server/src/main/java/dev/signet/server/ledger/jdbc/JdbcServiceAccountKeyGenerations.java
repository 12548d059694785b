package dev.signet.server.ledger.jdbc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CaGenerations.State;
import dev.signet.server.ledger.ServiceAccountKeyGenerations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Service-account key generations in the ledger database. */
public final class JdbcServiceAccountKeyGenerations implements ServiceAccountKeyGenerations {
  private final Database database;

  public JdbcServiceAccountKeyGenerations(Database database) {
    this.database = database;
  }

  @Override
  public List<Generation> all() throws LedgerException {
    try (Connection connection = database.connection()) {
      List<Generation> generations = read(connection, false);
      connection.commit();
      return generations;
    } catch (SQLException e) {
      throw new LedgerException.Unavailable(
          "cannot read service-account key generations: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean replace(List<Generation> expected, List<Generation> generations, AuditEvent event)
      throws LedgerException {
    try {
      return database.write(
          connection -> {
            if (!read(connection, true).equals(expected)) {
              return false;
            }
            try (PreparedStatement delete =
                connection.prepareStatement("DELETE FROM sa_key_generations")) {
              delete.executeUpdate();
            }
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO sa_key_generations (generation, key_label, state, changed_at)"
                        + " VALUES (?, ?, ?, ?)")) {
              for (Generation generation : generations) {
                insert.setInt(1, generation.number());
                insert.setString(2, generation.keyLabel());
                insert.setString(3, generation.state().name());
                insert.setLong(4, generation.changedAt().toEpochMilli());
                insert.executeUpdate();
              }
            }
            JdbcAuditLog.append(connection, database, event);
            return true;
          });
    } catch (SQLException e) {
      throw new LedgerException.Unavailable(
          "cannot record the service-account key rotation: " + e.getMessage(), e);
    }
  }

  /** The generations by number, locked for update when {@code lock}. */
  private List<Generation> read(Connection connection, boolean lock) throws SQLException {
    String sql =
        "SELECT generation, key_label, state, changed_at FROM sa_key_generations ORDER BY generation"
            + (lock ? database.forUpdate() : "");
    try (PreparedStatement query = connection.prepareStatement(sql);
        ResultSet rows = query.executeQuery()) {
      List<Generation> generations = new ArrayList<>();
      while (rows.next()) {
        generations.add(
            new Generation(
                rows.getInt(1),
                rows.getString(2),
                State.valueOf(rows.getString(3)),
                Instant.ofEpochMilli(rows.getLong(4))));
      }
      return generations;
    }
  }
}
