package dev.signet.server.database;

import dev.signet.server.config.SignetdConfig;
import java.nio.file.Path;
import java.util.Optional;

/** New SQLite ledgers for this package's tests, opened as signetd opens its own. */
final class SqliteLedgers {
  private SqliteLedgers() {}

  /** A new ledger file in {@code directory}, migrated and with its writer running. */
  static Database open(Path directory) throws LedgerException {
    return Database.open(
        new SignetdConfig.Ledger(
            "jdbc:sqlite:" + directory.resolve("ledger.db"), Optional.empty(), Optional.empty()));
  }
}
