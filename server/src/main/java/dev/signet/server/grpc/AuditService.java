package dev.signet.server.grpc;

import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.Checkpoint;
import dev.signet.api.v1.CreateCheckpointRequest;
import dev.signet.api.v1.VerifyAuditRequest;
import dev.signet.api.v1.VerifyAuditResponse;
import dev.signet.server.audit.AuditCheckpointer;
import dev.signet.server.audit.AuditCheckpoints;
import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.SigningException;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** The {@code signet.v1.Audit} service: verification and checkpoints of the audit chain. */
final class AuditService extends AuditGrpc.AuditImplBase {
  private final Database database;
  private final AuditCheckpointer checkpointer;
  private final AuditVerifier.CheckpointKey checkpointKey;

  AuditService(
      Database database,
      AuditCheckpointer checkpointer,
      AuditVerifier.CheckpointKey checkpointKey) {
    this.database = database;
    this.checkpointer = checkpointer;
    this.checkpointKey = checkpointKey;
  }

  @Override
  public void verifyAudit(VerifyAuditRequest request, StreamObserver<VerifyAuditResponse> out) {
    Calls.answer(
        out,
        "VerifyAudit",
        () -> {
          AuditVerifier.Report report;
          try {
            report = AuditVerifier.verify(database, Optional.of(checkpointKey));
          } catch (LedgerException e) {
            throw new IssuanceException.Unavailable(
                "LEDGER_UNAVAILABLE", "the ledger is unavailable", e);
          }
          VerifyAuditResponse.Builder response =
              VerifyAuditResponse.newBuilder()
                  .setIntact(report.intact())
                  .setEvents(report.events())
                  .setCheckpoints(report.checkpoints());
          report
              .problem()
              .ifPresent(
                  problem -> response.setBrokenAt(problem.seq()).setProblem(problem.description()));
          return response.build();
        });
  }

  @Override
  public void createCheckpoint(CreateCheckpointRequest request, StreamObserver<Checkpoint> out) {
    Calls.answer(
        out,
        "CreateCheckpoint",
        () -> {
          AuditCheckpoints.Checkpoint checkpoint;
          try {
            checkpoint = checkpointer.checkpoint();
          } catch (LedgerException | SigningException e) {
            throw new IssuanceException.Unavailable(
                "CHECKPOINT_UNAVAILABLE", "no checkpoint can be signed right now", e);
          }
          return Checkpoint.newBuilder()
              .setSeq(checkpoint.seq())
              .setHash(checkpoint.hash())
              .setAt(Protos.timestamp(checkpoint.at()))
              .build();
        });
  }
}
