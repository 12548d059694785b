package dev.signet.server.grpc;

import com.google.common.util.concurrent.MoreExecutors;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The first interceptor of every call on both ports: the call ends by its deadline, the client's or
 * {@code maxCallDuration}, whichever comes first, whether or not the client ever sent a message.
 * When the deadline passes the call is closed with DEADLINE_EXCEEDED at once, from the timer
 * thread, and whatever the call held ({@link #onEnd}) is given back then, not when the handler gets
 * round to noticing: a client that sends headers and nothing else holds a slot for maxCallDuration
 * at most.
 *
 * <p>Every close passes through here (the handler's and the interceptors' after this one go through
 * the call this one hands on), so closing is serialised and happens once; what the handler sends
 * after the deadline closed the call is dropped.
 */
final class CallBounds implements ServerInterceptor {
  private static final Context.Key<CallEnd> END = Context.key("signet-call-end");

  private final Duration maxCallDuration;
  private final ScheduledExecutorService timer;
  private final AtomicLong closedAtDeadline = new AtomicLong();

  CallBounds(Duration maxCallDuration, ScheduledExecutorService timer) {
    this.maxCallDuration = maxCallDuration;
    this.timer = timer;
  }

  /**
   * Runs {@code release} once when the current call ends: closed by the server, cancelled by the
   * client, or closed at its deadline. Runs it at once when the call has ended already.
   */
  static void onEnd(Runnable release) {
    CallEnd end = END.get();
    if (end == null) {
      throw new IllegalStateException("not inside a call bounded by CallBounds");
    }
    end.add(release);
  }

  /** Calls this server closed because their deadline passed. */
  long closedAtDeadline() {
    return closedAtDeadline.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    CallEnd end = new CallEnd();
    SerialCall<Q, R> serial = new SerialCall<>(call, end);
    // withDeadlineAfter keeps the client's deadline when it is the earlier one.
    Context.CancellableContext context =
        Context.current()
            .withValue(END, end)
            .withDeadlineAfter(maxCallDuration.toMillis(), TimeUnit.MILLISECONDS, timer);
    context.addListener(
        cancelled -> {
          if (Contexts.statusFromCancelled(cancelled).getCode() == Status.Code.DEADLINE_EXCEEDED
              && serial.closeOnce(
                  Status.DEADLINE_EXCEEDED.withDescription(
                      "the call's deadline passed (signetd allows "
                          + maxCallDuration.toSeconds()
                          + " s per call, less if the client asked for less)"),
                  new Metadata())) {
            closedAtDeadline.incrementAndGet();
          }
          end.run();
        },
        MoreExecutors.directExecutor());
    end.add(() -> context.cancel(null));
    ServerCall.Listener<Q> listener;
    try {
      listener = Contexts.interceptCall(context, serial, headers, next);
    } catch (RuntimeException e) {
      end.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          end.run();
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          end.run();
        }
      }
    };
  }

  /** What runs when a call ends, once. */
  private static final class CallEnd implements Runnable {
    private List<Runnable> releases = new ArrayList<>();

    void add(Runnable release) {
      synchronized (this) {
        if (releases != null) {
          releases.add(release);
          return;
        }
      }
      release.run();
    }

    @Override
    public void run() {
      List<Runnable> due;
      synchronized (this) {
        if (releases == null) {
          return;
        }
        due = releases;
        releases = null;
      }
      // The most recently taken first, as a stack unwinds.
      for (int i = due.size() - 1; i >= 0; i--) {
        due.get(i).run();
      }
    }
  }

  /**
   * The call with its sending side serialised, so that the deadline can close it from the timer
   * thread while the handler may be sending; after the first close, nothing more is sent.
   */
  private static final class SerialCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final CallEnd end;
    private boolean closed;

    SerialCall(ServerCall<Q, R> call, CallEnd end) {
      super(call);
      this.end = end;
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public void close(Status status, Metadata trailers) {
      closeOnce(status, trailers);
    }

    /** Closes the call unless it is closed already; true if this closed it. */
    boolean closeOnce(Status status, Metadata trailers) {
      try {
        synchronized (this) {
          if (closed) {
            return false;
          }
          closed = true;
          super.close(status, trailers);
          return true;
        }
      } finally {
        end.run();
      }
    }
  }
}
