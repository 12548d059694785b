package dev.signet.server.grpc;

import dev.signet.server.audit.RefusalAudit;
import dev.signet.server.issuance.IssuanceException;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How every unary RPC of Signet answers: run the body if the deadline still allows, send its
 * result, or turn its failure into the status {@link StatusMapper} chooses. Unexpected faults reach
 * the caller as INTERNAL with an incident id; the stack trace stays in the daemon's log.
 */
final class Calls {
  private static final Logger LOG = Logger.getLogger(Calls.class.getName());

  /** The work of one RPC. */
  @FunctionalInterface
  interface Body<T> {
    T run() throws IssuanceException;
  }

  private Calls() {}

  static <T> void answer(StreamObserver<T> out, String rpc, Body<T> body) {
    answer(out, rpc, Level.INFO, body);
  }

  /**
   * As {@link #answer}, for callers nobody authenticated: their refusals are logged at FINE only,
   * since the {@link dev.signet.server.audit.RefusalAudit} counts them and logs what it writes.
   */
  static <T> void answerUnauthenticated(StreamObserver<T> out, String rpc, Body<T> body) {
    answer(out, rpc, Level.FINE, body);
  }

  private static <T> void answer(
      StreamObserver<T> out, String rpc, Level refusalLevel, Body<T> body) {
    try {
      Deadline deadline = Context.current().getDeadline();
      if (deadline != null && deadline.timeRemaining(TimeUnit.MILLISECONDS) <= 0) {
        out.onError(
            Status.DEADLINE_EXCEEDED
                .withDescription("the deadline passed before " + rpc + " started")
                .asRuntimeException());
        return;
      }
      T result = body.run();
      if (Context.current().isCancelled()) {
        // CallBounds closed the call at its deadline, or the client went away: nobody listens.
        LOG.info(rpc + " finished after its call had ended; its answer was not sent");
        return;
      }
      out.onNext(result);
      out.onCompleted();
    } catch (IssuanceException e) {
      // ObservedCalls logs the refusal, with this reason, in the call's one line.
      CallRecord.refused(
          e.reason(),
          RefusalAudit.bounded(e.getMessage())
              + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
      CallRecord.current().refusalLevel = refusalLevel;
      out.onError(StatusMapper.toStatus(e).asRuntimeException());
    } catch (RuntimeException e) {
      String incident = UUID.randomUUID().toString();
      CallRecord.refused("INTERNAL", "incident " + incident);
      LOG.log(Level.SEVERE, "incident " + incident + " in " + rpc, e);
      out.onError(StatusMapper.internal(incident).asRuntimeException());
    }
  }
}
