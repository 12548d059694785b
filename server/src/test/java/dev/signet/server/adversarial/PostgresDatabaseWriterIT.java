package dev.signet.server.adversarial;

import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.PostgresServer;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/** The database writer's cases on a PostgreSQL ledger, on a server the test starts on loopback. */
class PostgresDatabaseWriterIT extends DatabaseWriterContract {
  @Override
  Engine engine() throws Exception {
    PostgresServer server = PostgresServer.start();
    Path password =
        server.writePasswordFile(
            Files.createTempDirectory("signet-writer-").resolve("ledger.password"));
    return new Engine() {
      @Override
      public DaemonConfig ledger(DaemonConfig config) {
        return config.postgresLedger(server.url(), PostgresServer.USER, password);
      }

      @Override
      public Connection connect(TestDaemon daemon) throws SQLException {
        Connection connection = server.connect(server.url());
        connection.setAutoCommit(true);
        return connection;
      }

      @Override
      public void close() throws Exception {
        server.close();
      }
    };
  }
}
