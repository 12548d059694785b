package dev.signet.server.grpc;

import dev.signet.api.v1.AuditEventRecord;
import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.Checkpoint;
import dev.signet.api.v1.CreateCheckpointRequest;
import dev.signet.api.v1.ListAuditEventsRequest;
import dev.signet.api.v1.ListAuditEventsResponse;
import dev.signet.api.v1.VerifyAuditRequest;
import dev.signet.api.v1.VerifyAuditResponse;
import dev.signet.api.v1.WatchCheckpointsRequest;
import dev.signet.api.v1.WitnessedCheckpoint;
import dev.signet.common.audit.CheckpointStatement;
import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.server.audit.AuditCheckpointer;
import dev.signet.server.audit.AuditCheckpoints;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditKey;
import dev.signet.server.audit.AuditTrail;
import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.audit.WitnessLines;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.SigningException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The {@code signet.v1.Audit} service: verification, checkpoints (signed on request, and streamed
 * to witnesses outside the database), and the audit events for SIEMs.
 */
final class AuditService extends AuditGrpc.AuditImplBase {
  private static final Logger LOG = Logger.getLogger(AuditService.class.getName());
  private static final int MAX_WITNESSED = 256;
  private static final int DEFAULT_EVENTS = 500;
  private static final int MAX_EVENTS = 1000;
  private static final int MAX_FOLLOWERS = 4;
  private static final int CHECKPOINT_PAGE = 100;
  private static final Duration FOLLOW_POLL = Duration.ofMillis(500);

  /** A follower's stream ends this long before its deadline, cleanly, even on a busy machine. */
  private static final Duration FOLLOW_END_MARGIN = Duration.ofSeconds(5);

  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  /** What the service reads and signs with. */
  record Parts(
      Database database,
      AuditCheckpointer checkpointer,
      AuditCheckpoints checkpoints,
      AuditTrail trail,
      AuditKey auditKey,
      Duration checkpointInterval,
      Clock clock) {}

  private final Parts parts;
  private final WitnessLines witnessLines;
  private final Semaphore followers = new Semaphore(MAX_FOLLOWERS);

  AuditService(Parts parts) {
    this.parts = parts;
    this.witnessLines = new WitnessLines(parts.checkpoints());
  }

  @Override
  public void verifyAudit(VerifyAuditRequest request, StreamObserver<VerifyAuditResponse> out) {
    Calls.answer(
        out,
        "VerifyAudit",
        () -> {
          List<AuditVerifier.Witnessed> witnessed = witnessed(request.getWitnessedList());
          AuditVerifier.Report report;
          try {
            report =
                AuditVerifier.verify(
                    parts.database(),
                    AuditVerifier.Expectations.full(
                        parts.auditKey().publicKey(),
                        parts.checkpointInterval(),
                        parts.clock().instant(),
                        witnessed));
          } catch (LedgerException e) {
            throw new IssuanceException.Unavailable(
                "LEDGER_UNAVAILABLE", "the ledger is unavailable", e);
          }
          VerifyAuditResponse.Builder response =
              VerifyAuditResponse.newBuilder()
                  .setIntact(report.intact())
                  .setEvents(report.events())
                  .setCheckpoints(report.checkpoints())
                  .setWitnessed(report.witnessed());
          report
              .newest()
              .ifPresent(
                  newest ->
                      response
                          .setNewestCheckpoint(newest.number())
                          .setNewestCheckpointAt(Protos.timestamp(newest.at())));
          report
              .problem()
              .ifPresent(
                  problem -> response.setBrokenAt(problem.seq()).setProblem(problem.description()));
          return response.build();
        });
  }

  private static List<AuditVerifier.Witnessed> witnessed(List<WitnessedCheckpoint> given)
      throws IssuanceException {
    if (given.size() > MAX_WITNESSED) {
      throw new IssuanceException.InvalidRequest(
          "TOO_MANY_WITNESSED",
          "at most "
              + MAX_WITNESSED
              + " witnessed checkpoints per call; send the newest of each run of consecutive ones");
    }
    List<AuditVerifier.Witnessed> witnessed = new ArrayList<>();
    for (WitnessedCheckpoint checkpoint : given) {
      boolean eventHashValid =
          checkpoint.getSeq() == 0
              ? checkpoint.getEventHash().isEmpty()
              : HASH.matcher(checkpoint.getEventHash()).matches();
      if (checkpoint.getNumber() < 1
          || checkpoint.getSeq() < 0
          || !eventHashValid
          || !HASH.matcher(checkpoint.getStatementHash()).matches()) {
        throw new IssuanceException.InvalidRequest(
            "INVALID_WITNESSED",
            "witnessed checkpoint "
                + checkpoint.getNumber()
                + ": number from 1, seq from 0, event_hash and statement_hash 64 lowercase hex"
                + " digits");
      }
      witnessed.add(
          new AuditVerifier.Witnessed(
              checkpoint.getNumber(),
              checkpoint.getSeq(),
              checkpoint.getEventHash(),
              checkpoint.getStatementHash()));
    }
    return witnessed;
  }

  @Override
  public void createCheckpoint(CreateCheckpointRequest request, StreamObserver<Checkpoint> out) {
    Calls.answer(
        out,
        "CreateCheckpoint",
        () -> {
          try {
            return proto(parts.checkpointer().checkpoint(CheckpointStatement.Kind.REQUESTED));
          } catch (LedgerException | SigningException e) {
            throw new IssuanceException.Unavailable(
                "CHECKPOINT_UNAVAILABLE", "no checkpoint can be signed right now", e);
          }
        });
  }

  @Override
  public void watchCheckpoints(WatchCheckpointsRequest request, StreamObserver<Checkpoint> out) {
    if (!followers.tryAcquire()) {
      out.onError(
          Status.RESOURCE_EXHAUSTED
              .withDescription(
                  "signetd streams checkpoints to at most " + MAX_FOLLOWERS + " callers at once")
              .asRuntimeException());
      return;
    }
    ServerCallStreamObserver<Checkpoint> stream = (ServerCallStreamObserver<Checkpoint>) out;
    Deadline deadline = Context.current().getDeadline();
    try {
      long after = Math.max(0, request.getAfterNumber());
      while (!stream.isCancelled()) {
        List<SignedCheckpoint> page = parts.checkpoints().after(after, CHECKPOINT_PAGE);
        for (SignedCheckpoint checkpoint : page) {
          awaitReady(stream, deadline);
          stream.onNext(proto(checkpoint));
          after = checkpoint.statement().number();
        }
        if (page.size() == CHECKPOINT_PAGE) {
          continue;
        }
        // caught up: end before the deadline, so that the follower sees a clean end and resumes
        if (!request.getFollow()
            || (deadline != null
                && deadline.timeRemaining(TimeUnit.MILLISECONDS) < FOLLOW_END_MARGIN.toMillis())) {
          break;
        }
        Thread.sleep(FOLLOW_POLL.toMillis());
      }
      if (!stream.isCancelled()) {
        stream.onCompleted();
      }
    } catch (LedgerException e) {
      LOG.warning("WatchCheckpoints: " + e.getMessage());
      stream.onError(
          Status.UNAVAILABLE
              .withDescription("the ledger is unavailable; reconnect with after_number")
              .asRuntimeException());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stream.onError(
          Status.UNAVAILABLE.withDescription("signetd is stopping").asRuntimeException());
    } finally {
      followers.release();
    }
  }

  /** Waits until the caller reads, so that a stalled follower never makes signetd buffer. */
  private static void awaitReady(ServerCallStreamObserver<?> stream, Deadline deadline)
      throws InterruptedException {
    while (!stream.isReady() && !stream.isCancelled()) {
      if (deadline != null && deadline.isExpired()) {
        return;
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void listAuditEvents(
      ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> out) {
    Calls.answer(
        out,
        "ListAuditEvents",
        () -> {
          if (request.getAfterSeq() < 0) {
            throw new IssuanceException.InvalidRequest(
                "INVALID_PARAMETERS", "after_seq must be 0 or a sequence number");
          }
          int size =
              request.getPageSize() <= 0
                  ? DEFAULT_EVENTS
                  : Math.min(request.getPageSize(), MAX_EVENTS);
          List<AuditTrail.Recorded> events;
          try {
            events = parts.trail().after(request.getAfterSeq(), size);
          } catch (LedgerException e) {
            throw new IssuanceException.Unavailable(
                "LEDGER_UNAVAILABLE", "the ledger is unavailable; retry", e);
          }
          ListAuditEventsResponse.Builder response = ListAuditEventsResponse.newBuilder();
          events.forEach(recorded -> response.addEvents(proto(recorded)));
          return response.build();
        });
  }

  private Checkpoint proto(SignedCheckpoint checkpoint) throws LedgerException {
    CheckpointStatement statement = checkpoint.statement();
    return Checkpoint.newBuilder()
        .setNumber(statement.number())
        .setSeq(statement.seq())
        .setHash(statement.eventHash())
        .setPreviousHash(statement.previousHash())
        .setAt(Protos.timestamp(statement.at()))
        .setKind(statement.kind().id())
        .setStatementHash(statement.hash())
        .setWitnessJson(witnessLines.line(checkpoint))
        .build();
  }

  private static AuditEventRecord proto(AuditTrail.Recorded recorded) {
    AuditEvent event = recorded.event();
    return AuditEventRecord.newBuilder()
        .setSeq(recorded.seq())
        .setAt(Protos.timestamp(event.at()))
        .setCaller(event.caller())
        .setCallerRole(event.callerRole())
        .setAction(event.action())
        .setProfile(event.profile())
        .setNodeName(event.nodeName())
        .setDecision(event.decision().name())
        .setReason(event.reason())
        .setDetail(event.detail())
        .setSerial(event.serial())
        .setRequestId(event.requestId())
        .setTokenId(event.tokenId())
        .setHash(recorded.hash())
        .setPreviousHash(recorded.previousHash())
        .build();
  }
}
