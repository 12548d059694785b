package dev.signet.server.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.InvariantChecker;
import dev.signet.server.testing.IssuanceLoad;
import dev.signet.server.testing.PostgresDeployment;
import dev.signet.server.testing.PostgresServer;
import dev.signet.server.testing.ReceivedLog;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves that the fault tests can fail: the same crash of the database server, once with PostgreSQL
 * durable (nothing a client received is lost, the checker is clean), then after the database was
 * switched to {@code synchronous_commit = off} and {@code fsync = off} behind signetd's back, where
 * the checker must report certificates that clients received and the ledger no longer has.
 *
 * <p>The database is reconfigured while signetd runs ({@code ALTER SYSTEM} and a reload), as an
 * operator tuning it would. signetd checks durability at start-up and then periodically, and
 * refuses to issue once it sees the change ({@code PostgresLedgerContractIT} shows that); here its
 * periodic check is set to once a day, so that the non-durable database gets to lose something.
 * {@code wal_writer_delay = 10s} widens the window in which acknowledged commits live only in
 * PostgreSQL's memory, so that one crash is very likely to lose some.
 */
class NonDurableLedgerIT {
  private static final Logger LOG = Logger.getLogger(NonDurableLedgerIT.class.getName());
  private static final int CLIENTS = 4;
  private static final int NON_DURABLE_ROUNDS = 4;

  @TempDir Path directory;

  @Test
  void theCheckerReportsAcknowledgedCertificatesLostByANonDurableDatabase() throws Exception {
    try (PostgresServer database = PostgresServer.start();
        ReceivedLog received = ReceivedLog.open(directory.resolve("received.log"))) {
      PostgresDeployment deployment =
          PostgresDeployment.create(database, directory, "nondurable").durabilityCheckEvery("24h");
      try (DaemonProcess daemon = deployment.serve(0);
          ApiClient client = deployment.operator(daemon)) {
        InvariantChecker checker = deployment.checker(IssuanceLoad.caCertificates(client));
        List<ByteString> csrs = IssuanceLoad.csrs(300);

        crashUnderLoad(database, client, received, csrs, "durable");
        InvariantChecker.Report durable = checker.check(received);
        assertTrue(
            durable.clean(), "a durable PostgreSQL loses nothing in the same crash: " + durable);

        database.reconfigure(
            Map.of("synchronous_commit", "off", "fsync", "off", "wal_writer_delay", "10s"));
        assertEquals("off", setting(database, "synchronous_commit"));
        InvariantChecker.Report report = durable;
        for (int round = 1; round <= NON_DURABLE_ROUNDS && report.count("I1") == 0; round++) {
          crashUnderLoad(database, client, received, csrs, "careless" + round);
          report = checker.check(received);
          LOG.info("non-durable round " + round + ": " + report);
        }
        assertTrue(
            report.count("I1") > 0,
            "the checker reports certificates that reached clients and are not in the ledger: "
                + report);
      }
    }
  }

  /**
   * Clients issue; the database server is killed (-9, every process) mid-load, then started again.
   */
  private static void crashUnderLoad(
      PostgresServer database,
      ApiClient client,
      ReceivedLog received,
      List<ByteString> csrs,
      String name)
      throws Exception {
    IssuanceLoad load = IssuanceLoad.start(List.of(client), received, name, csrs, CLIENTS, 5_000);
    try {
      assertTrue(
          load.awaitMore(30, 60_000), name + ": issuing before the crash: " + load.failures());
      database.crash();
    } finally {
      load.stop();
    }
    database.startAgain();
  }

  private static String setting(PostgresServer database, String name) throws Exception {
    try (Connection connection = database.connect(database.url());
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SHOW " + name)) {
      row.next();
      return row.getString(1);
    }
  }
}
