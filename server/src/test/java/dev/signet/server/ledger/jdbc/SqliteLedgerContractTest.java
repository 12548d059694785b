package dev.signet.server.ledger.jdbc;

import dev.signet.server.config.SignetdConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The ledger contract on the embedded default: a SQLite file in WAL mode. */
class SqliteLedgerContractTest extends LedgerContract {
  private static final AtomicInteger FILES = new AtomicInteger();

  @TempDir Path directory;

  @Override
  protected SignetdConfig.Ledger newLedger() {
    Path file = directory.resolve("ledger-" + FILES.incrementAndGet() + ".db");
    return new SignetdConfig.Ledger("jdbc:sqlite:" + file, Optional.empty(), Optional.empty());
  }
}
