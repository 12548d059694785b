package dev.signet.server.ledger.jdbc;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.Nodes;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Registered nodes in the ledger database; addresses are stored comma-separated. */
public final class JdbcNodes implements Nodes {
  private final Database database;

  public JdbcNodes(Database database) {
    this.database = database;
  }

  @Override
  public Optional<Node> find(String name) throws LedgerException {
    return database.queryFirst(
        "registered nodes",
        "SELECT name, addresses, registered_by, registered_at FROM nodes WHERE name = ?",
        query -> query.setString(1, name),
        row ->
            new Node(
                row.getString(1),
                split(row.getString(2)),
                row.getString(3),
                Instant.ofEpochMilli(row.getLong(4))));
  }

  @Override
  public void register(Node node) throws LedgerException {
    database.write(
        "register node " + node.name(),
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE nodes SET addresses = ?, registered_by = ?, registered_at = ? WHERE name = ?")) {
            update.setString(1, String.join(",", node.addresses()));
            update.setString(2, node.registeredBy());
            update.setLong(3, node.registeredAt().toEpochMilli());
            update.setString(4, node.name());
            if (update.executeUpdate() == 1) {
              return null;
            }
          }
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO nodes (name, addresses, registered_by, registered_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, node.name());
            insert.setString(2, String.join(",", node.addresses()));
            insert.setString(3, node.registeredBy());
            insert.setLong(4, node.registeredAt().toEpochMilli());
            insert.executeUpdate();
          }
          return null;
        });
  }

  static List<String> split(String addresses) {
    return addresses.isEmpty() ? List.of() : Arrays.asList(addresses.split(","));
  }
}
