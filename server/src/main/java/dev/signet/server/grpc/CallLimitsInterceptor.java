package dev.signet.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds every call: at most {@code maxConcurrentCalls} in flight (more get RESOURCE_EXHAUSTED at
 * once rather than a growing queue), and a deadline of at most {@code maxCallDuration} whatever the
 * client asked for, so that a call without a deadline cannot hold resources forever.
 */
final class CallLimitsInterceptor implements ServerInterceptor {
  private final Semaphore inFlight;
  private final int maxConcurrentCalls;
  private final Duration maxCallDuration;
  private final ScheduledExecutorService timer;

  CallLimitsInterceptor(
      int maxConcurrentCalls, Duration maxCallDuration, ScheduledExecutorService timer) {
    this.inFlight = new Semaphore(maxConcurrentCalls);
    this.maxConcurrentCalls = maxConcurrentCalls;
    this.maxCallDuration = maxCallDuration;
    this.timer = timer;
  }

  /** Calls in flight now. */
  int inFlight() {
    return maxConcurrentCalls - inFlight.availablePermits();
  }

  int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!inFlight.tryAcquire()) {
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "signetd is handling its maximum of " + maxConcurrentCalls + " calls; retry shortly"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Context.CancellableContext context =
        Context.current()
            .withDeadlineAfter(maxCallDuration.toMillis(), TimeUnit.MILLISECONDS, timer);
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            inFlight.release();
            context.cancel(null);
          }
        };
    ServerCall<Q, R> releasingCall =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            try {
              super.close(status, trailers);
            } finally {
              release.run();
            }
          }
        };
    ServerCall.Listener<Q> listener;
    try {
      listener = Contexts.interceptCall(context, releasingCall, headers, next);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          release.run();
        }
      }
    };
  }
}
