package dev.signet.server.replicas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.JoinRequest;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.Concurrently;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.InvariantChecker;
import dev.signet.server.testing.IssuanceLoad;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.PostgresDeployment;
import dev.signet.server.testing.PostgresServer;
import dev.signet.server.testing.ReceivedLog;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault F13 and the replicas promise: two signetd processes on one SoftHSM2 token and one
 * PostgreSQL serve at the same time, and together behave as one CA. After every test the
 * independent {@link InvariantChecker} compares the shared ledger with what clients received.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasIT {
  private static final Logger LOG = Logger.getLogger(ReplicasIT.class.getName());
  private static final String UNAUTHENTICATED_JOIN =
      "the bootstrap token is invalid, expired or already used";

  private PostgresServer database;
  private DaemonProcess a;
  private DaemonProcess b;
  private ApiClient operatorA;
  private ApiClient operatorB;
  private ApiClient enrollmentA;
  private ApiClient enrollmentB;
  private ReceivedLog received;
  private InvariantChecker checker;

  /** What {@link #startTwoReplicas} opened, closed in reverse order even if it failed halfway. */
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  @BeforeAll
  void startTwoReplicas(@TempDir Path directory) throws Exception {
    database = keep(PostgresServer.start());
    PostgresDeployment deployment = PostgresDeployment.create(database, directory, "replicas");
    a = keep(deployment.serve(0));
    b = keep(deployment.serve(1));
    operatorA = keep(deployment.operator(a));
    operatorB = keep(deployment.operator(b));
    enrollmentA = keep(deployment.enrollment(a));
    enrollmentB = keep(deployment.enrollment(b));
    received = keep(ReceivedLog.open(directory.resolve("received.log")));
    checker = deployment.checker(IssuanceLoad.caCertificates(operatorA));
  }

  private <T extends AutoCloseable> T keep(T resource) {
    opened.push(resource);
    return resource;
  }

  @AfterAll
  void stopReplicas() throws Exception {
    Exception failure = null;
    for (AutoCloseable resource = opened.poll(); resource != null; resource = opened.poll()) {
      try {
        resource.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  @Order(1)
  void roundRobinIssuanceOverBothGivesDistinctSerialsThatAllVerifyAndAnUnbrokenAuditChain()
      throws Exception {
    int clients = 4;
    int perClient = 60;
    List<ByteString> csrs = IssuanceLoad.csrs(clients * perClient);
    long start = System.nanoTime();
    IssuanceLoad load =
        IssuanceLoad.start(
            List.of(operatorA, operatorB), received, "round-robin", csrs, clients, perClient);
    assertTrue(
        load.awaitMore((long) clients * perClient, 180_000),
        "all requests answered: " + load.failures());
    double seconds = (System.nanoTime() - start) / 1e9;
    load.stop();

    assertEquals(clients * perClient / 2, load.succeededAt(0), "replica A served half");
    assertEquals(clients * perClient / 2, load.succeededAt(1), "replica B served half");
    assertTrue(load.failures().isEmpty(), load.failures().toString());
    assertEquals(
        count("SELECT COUNT(*) FROM certificates"),
        count("SELECT COUNT(DISTINCT serial) FROM certificates"),
        "no serial twice, across issuers and replicas");
    assertClean();
    LOG.info(
        String.format(
            "two replicas on PostgreSQL: %d certificates in %.1f s (%.0f/s) with %d clients",
            clients * perClient, seconds, clients * perClient / seconds, clients));
  }

  @Test
  @Order(2)
  void aBootstrapTokenWorksOnceAcrossBothReplicas() throws Exception {
    String token =
        operatorA
            .credentials()
            .createBootstrapToken(
                CreateBootstrapTokenRequest.newBuilder()
                    .setNodeName("joiner-1")
                    .addAddresses("192.0.2.91")
                    .build())
            .getToken();
    List<Callable<Status>> joins = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      ApiClient enrollment = i % 2 == 0 ? enrollmentA : enrollmentB;
      JoinRequest join =
          JoinRequest.newBuilder()
              .setToken(token)
              .setNodeName("joiner-1")
              .addAddresses("192.0.2.91")
              .setCredentialCsrDer(Keys.csrBytes(Keys.ec()))
              .build();
      joins.add(
          () -> {
            try {
              enrollment.bootstrap().join(join);
              return Status.OK;
            } catch (StatusRuntimeException e) {
              return e.getStatus();
            }
          });
    }
    int successes = 0;
    for (Status outcome : Concurrently.run(joins)) {
      if (outcome.isOk()) {
        successes++;
      } else {
        assertEquals(Status.Code.UNAUTHENTICATED, outcome.getCode(), outcome.toString());
        assertEquals(UNAUTHENTICATED_JOIN, outcome.getDescription());
      }
    }
    assertEquals(1, successes, "exactly one of 32 joins split over two replicas wins");
    assertEquals(
        1,
        count(
            "SELECT COUNT(*) FROM certificates WHERE profile = 'signet-api-client'"
                + " AND subject LIKE '%system:node:joiner-1%'"));
    assertClean();
  }

  @Test
  @Order(3)
  void aRequestIdMeansOneCertificateWhicheverReplicaIsAsked() throws Exception {
    IssueKubeletClientRequest request =
        IssueKubeletClientRequest.newBuilder()
            .setNodeName("idem-1")
            .setRequestId("idem-1")
            .setCsrDer(Keys.csrBytes(Keys.ec()))
            .build();
    byte[] first = issue(operatorA, request);
    assertArrayEquals(
        first,
        issue(operatorB, request),
        "the retry on the other replica returns the same certificate");

    IssueKubeletClientRequest otherCsr =
        request.toBuilder().setCsrDer(Keys.csrBytes(Keys.ec())).build();
    for (ApiClient replica : List.of(operatorB, operatorA)) {
      StatusRuntimeException conflict =
          assertThrows(StatusRuntimeException.class, () -> issue(replica, otherCsr));
      assertEquals(
          Status.Code.ALREADY_EXISTS, conflict.getStatus().getCode(), conflict.getMessage());
    }
    assertEquals(1, count("SELECT COUNT(*) FROM certificates WHERE request_id = 'idem-1'"));
    assertClean();
  }

  /**
   * The same request sent to both replicas at the same moment: one of them records it, the other
   * finds it (or answers UNAVAILABLE while it is in progress); it is signed once either way. This
   * race once deadlocked the replicas' batches in PostgreSQL (one held the audit chain's head and
   * waited for a request id the other had inserted), and the aborted write could leave a signed
   * certificate unrecorded; hence no deadlock may appear in the server's log.
   */
  @Test
  @Order(4)
  void theSameRequestSentToBothReplicasAtOnceIsSignedOnce() throws Exception {
    List<IssueKubeletClientRequest> requests = new ArrayList<>();
    List<Callable<Object>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      IssueKubeletClientRequest request =
          IssueKubeletClientRequest.newBuilder()
              .setNodeName("race-" + i)
              .setRequestId("race-" + i)
              .setCsrDer(Keys.csrBytes(Keys.ec()))
              .build();
      requests.add(request);
      for (ApiClient replica : List.of(operatorA, operatorB)) {
        calls.add(
            () -> {
              try {
                return ByteString.copyFrom(issue(replica, request));
              } catch (StatusRuntimeException e) {
                return e.getStatus().getCode();
              }
            });
      }
    }
    List<Object> outcomes = Concurrently.run(calls);
    for (int i = 0; i < requests.size(); i++) {
      Object onA = outcomes.get(2 * i);
      Object onB = outcomes.get(2 * i + 1);
      for (Object outcome : List.of(onA, onB)) {
        assertTrue(
            outcome instanceof ByteString || outcome == Status.Code.UNAVAILABLE,
            "race-" + i + ": " + outcome);
      }
      if (onA instanceof ByteString && onB instanceof ByteString) {
        assertEquals(onA, onB, "race-" + i + ": both replicas answer with the one certificate");
      }
      byte[] settled = issue(operatorA, requests.get(i));
      for (Object outcome : List.of(onA, onB)) {
        if (outcome instanceof ByteString der) {
          assertArrayEquals(der.toByteArray(), settled);
        }
      }
      assertEquals(
          1,
          count("SELECT COUNT(*) FROM certificates WHERE request_id = 'race-" + i + "'"),
          "race-" + i);
    }
    assertFalse(
        database.log().contains("deadlock detected"),
        "the replicas' write transactions take their locks in one order: " + database.log());
    assertClean();
  }

  @Test
  @Order(5)
  void killNineOfOneReplicaUnderLoadLosesNothingAndTheOtherKeepsServing() throws Exception {
    IssuanceLoad load =
        IssuanceLoad.start(
            List.of(operatorA, operatorB), received, "kill-b", IssuanceLoad.csrs(200), 4, 5_000);
    try {
      assertTrue(load.awaitMore(40, 60_000), "both replicas issuing: " + load.failures());
      b.kill();
      assertTrue(
          load.awaitMoreAt(0, 40, 60_000),
          "replica A goes on issuing after B died: " + load.failures());
    } finally {
      load.stop();
    }
    assertFalse(load.failures().isEmpty(), "calls to the dead replica failed");
    // UNKNOWN: grpc-java's "channel closed" for a call written to a connection already gone
    // (DaemonKillIT)
    assertTrue(
        Set.of(Status.Code.UNAVAILABLE, Status.Code.UNKNOWN).containsAll(load.failures().keySet()),
        load.firstFailures().toString());
    assertTrue(a.isAlive());
    assertClean();
  }

  private void assertClean() throws Exception {
    InvariantChecker.Report report = checker.check(received);
    assertTrue(report.clean(), report.toString());
    LOG.info("replicas: " + report);
  }

  private static byte[] issue(ApiClient replica, IssueKubeletClientRequest request) {
    return replica.issuance().issueKubeletClient(request).getCertificateDer().toByteArray();
  }

  private long count(String sql) throws Exception {
    try (Connection connection = database.connect(database.url());
        PreparedStatement query = connection.prepareStatement(sql);
        ResultSet rows = query.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
