package dev.signet.server.audit;

import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/** The tampering cases on the embedded SQLite ledger. */
class SqliteAuditTamperingIT extends AuditTamperingContract {
  @Override
  Engine engine() {
    return new Engine() {
      private final AtomicInteger copies = new AtomicInteger();

      @Override
      public DaemonConfig ledger(DaemonConfig config, String url) {
        return url == null ? config : config.ledgerUrl(url);
      }

      @Override
      public String url(TestDaemon daemon) {
        return "jdbc:sqlite:" + daemon.directory().resolve("ledger.db");
      }

      @Override
      public String copy(String url) throws Exception {
        Path from = Path.of(url.substring("jdbc:sqlite:".length()));
        Path to = from.resolveSibling("copy-" + copies.incrementAndGet() + ".db");
        Files.copy(from, to);
        return "jdbc:sqlite:" + to;
      }

      @Override
      public Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url);
      }

      @Override
      public void close() {}
    };
  }
}
