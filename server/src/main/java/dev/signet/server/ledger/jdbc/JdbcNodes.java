package dev.signet.server.ledger.jdbc;

import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.Nodes;
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
 * Registered nodes in the ledger database; addresses are stored comma-separated. Each row is sealed
 * ({@link RowSeals}): a registration or an address a database writer added is not found.
 */
public final class JdbcNodes implements Nodes {
  static final String TABLE = "nodes";
  private static final String COLUMNS = "name, addresses, registered_by, registered_at, seal";

  private final Database database;
  private final RowSeals seals;

  public JdbcNodes(Database database, RowSeals seals) {
    this.database = database;
    this.seals = seals;
  }

  @Override
  public Optional<Node> find(String name) throws LedgerException {
    Optional<Sealed> row =
        database.queryFirst(
            "registered nodes",
            "SELECT " + COLUMNS + " FROM nodes WHERE name = ?",
            query -> query.setString(1, name),
            JdbcNodes::read);
    if (row.isEmpty() || !seals.verify(TABLE, columns(row.get().node()), row.get().seal())) {
      return Optional.empty();
    }
    return Optional.of(row.get().node());
  }

  @Override
  public void register(Node node) throws LedgerException {
    String seal = seals.seal(TABLE, columns(node));
    database.write(
        "register node " + node.name(),
        connection -> {
          try (PreparedStatement update =
              connection.prepareStatement(
                  "UPDATE nodes SET addresses = ?, registered_by = ?, registered_at = ?, seal = ?"
                      + " WHERE name = ?")) {
            update.setString(1, String.join(",", node.addresses()));
            update.setString(2, node.registeredBy());
            update.setLong(3, node.registeredAt().toEpochMilli());
            update.setString(4, seal);
            update.setString(5, node.name());
            if (update.executeUpdate() == 1) {
              return null;
            }
          }
          try (PreparedStatement insert =
              connection.prepareStatement(
                  "INSERT INTO nodes (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, node.name());
            insert.setString(2, String.join(",", node.addresses()));
            insert.setString(3, node.registeredBy());
            insert.setLong(4, node.registeredAt().toEpochMilli());
            insert.setString(5, seal);
            insert.executeUpdate();
          }
          return null;
        });
  }

  /**
   * The names of the rows whose seal does not verify. With {@code sealUnsealed}, rows without a
   * seal (made before the seal key existed) are sealed instead and named in {@code sealedNow}.
   */
  SealSweep sweep(boolean sealUnsealed) throws LedgerException {
    List<Sealed> all =
        database.query(
            "registered nodes",
            "SELECT " + COLUMNS + " FROM nodes ORDER BY name",
            query -> {},
            JdbcNodes::read);
    List<String> broken = new ArrayList<>();
    List<String> sealedNow = new ArrayList<>();
    for (Sealed row : all) {
      if (row.seal() == null && sealUnsealed) {
        register(row.node());
        sealedNow.add(row.node().name());
      } else if (!seals.intact(TABLE, columns(row.node()), row.seal())) {
        broken.add(row.node().name());
      }
    }
    return new SealSweep(TABLE, all.size(), broken, sealedNow);
  }

  /** What the seal covers: the node's name, its addresses, who registered it and when. */
  private static List<String> columns(Node node) {
    return List.of(
        node.name(),
        String.join(",", node.addresses()),
        node.registeredBy(),
        Long.toString(node.registeredAt().toEpochMilli()));
  }

  private static Sealed read(ResultSet row) throws SQLException {
    return new Sealed(
        new Node(
            row.getString(1),
            split(row.getString(2)),
            row.getString(3),
            Instant.ofEpochMilli(row.getLong(4))),
        row.getString(5));
  }

  private record Sealed(Node node, String seal) {}

  static List<String> split(String addresses) {
    return addresses.isEmpty() ? List.of() : Arrays.asList(addresses.split(","));
  }
}
