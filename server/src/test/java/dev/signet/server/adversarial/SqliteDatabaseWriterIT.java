package dev.signet.server.adversarial;

import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** The database writer's cases on a SQLite ledger, edited through the file beside the daemon. */
class SqliteDatabaseWriterIT extends DatabaseWriterContract {
  @Override
  Engine engine() {
    return new Engine() {
      @Override
      public DaemonConfig ledger(DaemonConfig config) {
        return config;
      }

      @Override
      public Connection connect(TestDaemon daemon) throws SQLException {
        Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + daemon.directory().resolve("ledger.db"));
        try (Statement statement = connection.createStatement()) {
          // the daemon writes beside us: wait for its write lock rather than fail
          statement.execute("PRAGMA busy_timeout = 30000");
        }
        return connection;
      }

      @Override
      public void close() {}
    };
  }
}
