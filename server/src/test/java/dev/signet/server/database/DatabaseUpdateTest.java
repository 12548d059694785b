package dev.signet.server.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Database#update} keeps its statements on SQLite across borrows of a connection: one that
 * failed, or whose transaction was rolled back, must work as a new one would.
 */
class DatabaseUpdateTest {
  private static final String INSERT =
      "INSERT INTO nodes (name, addresses, registered_by, registered_at) VALUES (?, '', 'test', 0)";

  @TempDir Path directory;

  private Database database;

  @BeforeEach
  void open() throws LedgerException {
    database = SqliteLedgers.open(directory);
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void aKeptStatementWorksAfterAFailureARollbackAndAcrossBorrows() throws Exception {
    for (int borrow = 0; borrow < 8; borrow++) { // more borrows than the pool has connections
      String first = "first-" + borrow;
      try (Connection connection = database.connection()) {
        assertEquals(1, insert(connection, first));
        SQLException duplicate = assertThrows(SQLException.class, () -> insert(connection, first));
        assertTrue(Database.isDuplicateKey(duplicate), duplicate.getMessage());
        connection.commit();
        assertEquals(1, insert(connection, "undone-" + borrow));
        connection.rollback();
        assertEquals(1, insert(connection, "again-" + borrow));
        connection.commit();
      }
    }

    try (Connection connection = database.connection()) {
      assertEquals(8, count(connection, "first-%"));
      assertEquals(8, count(connection, "again-%"));
      assertEquals(0, count(connection, "undone-%"), "rolled back with their transaction");
      connection.commit();
    }
  }

  private int insert(Connection connection, String name) throws SQLException {
    return database.update(connection, INSERT, statement -> statement.setString(1, name));
  }

  private static long count(Connection connection, String pattern) throws SQLException {
    try (Statement query = connection.createStatement();
        ResultSet rows =
            query.executeQuery("SELECT COUNT(*) FROM nodes WHERE name LIKE '" + pattern + "'")) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
