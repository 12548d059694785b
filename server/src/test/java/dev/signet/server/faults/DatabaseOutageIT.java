package dev.signet.server.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.InvariantChecker;
import dev.signet.server.testing.IssuanceLoad;
import dev.signet.server.testing.PostgresDeployment;
import dev.signet.server.testing.PostgresServer;
import dev.signet.server.testing.ReceivedLog;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault F2: the ledger's PostgreSQL goes away while clients issue ({@code pg_ctl stop -m
 * immediate}, every server process ends at once) until every client has been refused, and comes
 * back. signetd answers UNAVAILABLE meanwhile, never hands out a certificate the ledger lacks, and
 * resumes by itself once the database is back: its connection pool validates connections, no
 * restart needed.
 */
class DatabaseOutageIT {
  private static final Logger LOG = Logger.getLogger(DatabaseOutageIT.class.getName());
  private static final int CLIENTS = 4;

  @TempDir Path directory;

  @Test
  void issuanceIsUnavailableWhileTheDatabaseIsDownAndResumesWithoutARestart() throws Exception {
    try (PostgresServer database = PostgresServer.start();
        ReceivedLog received = ReceivedLog.open(directory.resolve("received.log"))) {
      PostgresDeployment deployment = PostgresDeployment.create(database, directory, "outage");
      try (DaemonProcess daemon = deployment.serve(0);
          ApiClient client = deployment.operator(daemon)) {
        InvariantChecker checker = deployment.checker(IssuanceLoad.caCertificates(client));
        IssuanceLoad load =
            IssuanceLoad.start(
                List.of(client), received, "outage", IssuanceLoad.csrs(300), CLIENTS, 5_000);
        long recoveryMillis;
        try {
          assertTrue(load.awaitMore(20, 60_000), "steady issuance before the outage");

          database.stop("immediate");
          long atStop = load.succeeded();
          // a call waits up to the pool's connection timeout (5 s) before it is refused
          assertTrue(
              load.awaitFailures(Status.Code.UNAVAILABLE, CLIENTS, 30_000),
              "clients are told UNAVAILABLE: " + load.failures());
          Thread.sleep(1_000);
          long duringOutage = load.succeeded() - atStop;
          assertTrue(
              duringOutage <= CLIENTS,
              "at most the calls already committed when the database stopped complete ("
                  + duringOutage
                  + ")");

          long restart = System.nanoTime();
          database.startAgain();
          assertTrue(
              load.awaitMore(CLIENTS + 1, 60_000),
              "issuance resumed within 60 s of the database's return");
          recoveryMillis = (System.nanoTime() - restart) / 1_000_000;
          assertTrue(daemon.isAlive(), "the same signetd process kept serving");
        } finally {
          load.stop();
        }

        assertEquals(
            Set.of(Status.Code.UNAVAILABLE),
            load.failures().keySet(),
            "refusals were UNAVAILABLE only");
        InvariantChecker.Report report = checker.check(received);
        assertTrue(report.clean(), report.toString());
        LOG.info(
            "database outage: "
                + load.succeeded()
                + " certificates, "
                + load.failures()
                + " refused; issuing again "
                + recoveryMillis
                + " ms after pg_ctl start began; "
                + report);
      }
    }
  }
}
