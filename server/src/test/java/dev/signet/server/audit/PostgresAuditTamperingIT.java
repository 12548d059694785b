package dev.signet.server.audit;

import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.PostgresServer;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/** The tampering cases on a PostgreSQL ledger, on a server the test starts on loopback. */
class PostgresAuditTamperingIT extends AuditTamperingContract {
  @Override
  Engine engine() throws Exception {
    PostgresServer server = PostgresServer.start();
    Path password =
        server.writePasswordFile(
            Files.createTempDirectory("signet-tampering-").resolve("ledger.password"));
    return new Engine() {
      @Override
      public DaemonConfig ledger(DaemonConfig config, String url) {
        return config.postgresLedger(
            url == null ? server.url() : url, PostgresServer.USER, password);
      }

      @Override
      public String url(TestDaemon daemon) {
        return server.url();
      }

      @Override
      public String copy(String url) throws SQLException {
        return server.copyDatabase(url);
      }

      @Override
      public Connection connect(String url) throws SQLException {
        return server.connect(url);
      }

      @Override
      public void close() throws Exception {
        server.close();
      }
    };
  }
}
