package dev.signet.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import dev.signet.api.v1.Checkpoint;
import dev.signet.api.v1.CreateCheckpointRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueSuperAdminRequest;
import dev.signet.api.v1.Role;
import dev.signet.api.v1.VerifyAuditRequest;
import dev.signet.api.v1.VerifyAuditResponse;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The audit trail of a real daemon against someone who edits its database directly: every kind of
 * tampering, including a chain recomputed consistently by someone without the audit key, is found
 * by {@code signetd audit verify}, which names the first broken link.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditTrailIT {
  private TestDaemon daemon;
  private Path ledger;
  private Path pristine;

  @BeforeAll
  void recordSomeDecisionsThenStop() throws Exception {
    daemon = TestDaemon.start("audit", new DaemonConfig());
    ApiClient operator = daemon.operator();
    for (int i = 0; i < 5; i++) {
      operator
          .issuance()
          .issueKubeletClient(
              IssueKubeletClientRequest.newBuilder()
                  .setCsrDer(Keys.csrBytes(Keys.ec()))
                  .setNodeName("audited-" + i)
                  .build());
    }
    try (ApiClient auditor = daemon.connectAs(Role.ROLE_AUDITOR, "auditor-a")) {
      assertThrows(
          StatusRuntimeException.class,
          () ->
              auditor
                  .issuance()
                  .issueSuperAdmin(
                      IssueSuperAdminRequest.newBuilder()
                          .setCsrDer(Keys.csrBytes(Keys.ec()))
                          .build()));
      Checkpoint checkpoint =
          auditor.audit().createCheckpoint(CreateCheckpointRequest.getDefaultInstance());
      VerifyAuditResponse verified =
          auditor.audit().verifyAudit(VerifyAuditRequest.getDefaultInstance());
      assertTrue(verified.getIntact(), verified.getProblem());
      assertEquals(checkpoint.getSeq(), verified.getEvents(), "the checkpoint covers the head");
      assertTrue(verified.getCheckpoints() >= 1);
      assertTrue(
          verified.getEvents() >= 12,
          "init, issuance intents and approvals, a denial: " + verified.getEvents());
    }
    DaemonProcess.Result beside =
        daemon.signetd("audit", "verify", "-c", daemon.config().toString());
    assertEquals(
        0,
        beside.exitCode(),
        "signetd audit verify beside the serving daemon: " + beside.stdout() + beside.stderr());
    assertTrue(beside.stdout().contains("audit trail intact"), beside.stdout());
    operator
        .issuance()
        .issueKubeletClient(
            IssueKubeletClientRequest.newBuilder()
                .setCsrDer(Keys.csrBytes(Keys.ec()))
                .setNodeName("after-verify")
                .build());
    daemon.stop();
    ledger = daemon.directory().resolve("ledger.db");
    pristine = daemon.directory().resolve("ledger.pristine");
    Files.copy(ledger, pristine);
  }

  @AfterAll
  void cleanUp() throws Exception {
    Files.deleteIfExists(pristine);
  }

  /** Ways to tamper with the trail, and what the verifier must say. */
  enum Tampering {
    NONE("audit trail intact", ImmutableList.of()),
    EDIT(
        "BROKEN at event 4: event 4 does not match its hash",
        ImmutableList.of("UPDATE audit_events SET node_name = 'someone-else' WHERE seq = 4")),
    DELETE(
        "BROKEN at event 5: event 6 is missing",
        ImmutableList.of("DELETE FROM audit_events WHERE seq = 6")),
    REORDER(
        "BROKEN at event 3: event 3 does not match its hash",
        ImmutableList.of(
            "UPDATE audit_events SET seq = -1 WHERE seq = 3",
            "UPDATE audit_events SET seq = 3 WHERE seq = 5",
            "UPDATE audit_events SET seq = 5 WHERE seq = -1")),
    TRUNCATE(
        "head records event",
        ImmutableList.of(
            "DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)")),
    FORGED_CHECKPOINT(
        "is not signed by the audit key",
        ImmutableList.of("UPDATE audit_checkpoints SET signature = 'AAAA'")),
    REWRITTEN_CHAIN("does not match the chain", ImmutableList.of());

    final String verdict;
    final ImmutableList<String> statements;

    Tampering(String verdict, ImmutableList<String> statements) {
      this.verdict = verdict;
      this.statements = statements;
    }
  }

  @ParameterizedTest
  @EnumSource(Tampering.class)
  void verifyFindsEachKindOfTampering(Tampering tampering) throws Exception {
    Files.copy(pristine, ledger, StandardCopyOption.REPLACE_EXISTING);
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + ledger);
        Statement statement = connection.createStatement()) {
      for (String sql : tampering.statements) {
        statement.executeUpdate(sql);
      }
      if (tampering == Tampering.REWRITTEN_CHAIN) {
        AuditTampering.rewriteFrom(connection, 2, "rewritten-node");
      }
    }

    DaemonProcess.Result verify =
        daemon.signetd("audit", "verify", "-c", daemon.config().toString());

    assertEquals(
        tampering == Tampering.NONE ? 0 : 6, verify.exitCode(), verify.stdout() + verify.stderr());
    assertTrue(verify.stdout().contains(tampering.verdict), tampering + ": " + verify.stdout());
  }
}
