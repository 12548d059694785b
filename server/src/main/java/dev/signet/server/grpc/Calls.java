package dev.signet.server.grpc;

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
      out.onNext(result);
      out.onCompleted();
    } catch (IssuanceException e) {
      // ObservedCalls logs the refusal, with this reason, in the call's one line.
      CallRecord.refused(
          e.reason(),
          e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
      out.onError(StatusMapper.toStatus(e).asRuntimeException());
    } catch (RuntimeException e) {
      String incident = UUID.randomUUID().toString();
      CallRecord.refused("INTERNAL", "incident " + incident);
      LOG.log(Level.SEVERE, "incident " + incident + " in " + rpc, e);
      out.onError(StatusMapper.internal(incident).asRuntimeException());
    }
  }
}
