package dev.signet.server.grpc;

import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.CredentialsGrpc;
import dev.signet.server.metrics.SignetdMetrics;
import dev.signet.server.support.LogEvent;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The first interceptor of every call: when the call is answered, its outcome is counted and timed
 * ({@link SignetdMetrics}) and written as one log line: at INFO for every issuing call and every
 * refusal, WARNING when Signet could not do it (UNAVAILABLE, INTERNAL), FINE for other successful
 * calls (bundle and CRL fetches, health checks), which a fleet makes all the time.
 */
final class ObservedCalls implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(ObservedCalls.class.getName());

  private final SignetdMetrics metrics;

  ObservedCalls(SignetdMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    CallRecord record = new CallRecord();
    String method = call.getMethodDescriptor().getFullMethodName();
    ServerCall<Q, R> observed =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            try {
              super.close(status, trailers);
            } finally {
              report(method, status, record, System.nanoTime() - start);
            }
          }
        };
    return Contexts.interceptCall(record.attachTo(Context.current()), observed, headers, next);
  }

  private void report(String method, Status status, CallRecord record, long nanos) {
    boolean ok = status.isOk();
    boolean issuing = !record.profile.isEmpty();
    String code = status.getCode().name();
    if (issuing) {
      metrics.issuance.labelValues(record.profile, code).observe(SignetdMetrics.seconds(nanos));
    }
    if (!ok) {
      metrics.refusals.labelValues(record.reason.isEmpty() ? code : record.reason).inc();
    }
    if (method.equals(CredentialsGrpc.getCreateBootstrapTokenMethod().getFullMethodName()) && ok) {
      metrics.bootstrapTokens.labelValues("created").inc();
    } else if (method.equals(BootstrapGrpc.getJoinMethod().getFullMethodName())) {
      metrics.bootstrapTokens.labelValues(ok ? "spent" : "refused").inc();
    }
    Level level =
        switch (status.getCode()) {
          case OK -> issuing ? Level.INFO : Level.FINE;
          case UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS -> Level.WARNING;
          default -> record.refusalLevel;
        };
    if (!LOG.isLoggable(level)) {
      return;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("rpc", method);
    fields.put("caller", record.caller);
    fields.put("profile", record.profile);
    fields.put("node", record.node);
    fields.put("serial", record.serial);
    fields.put("request_id", record.requestId);
    fields.put("status", code);
    fields.put("reason", record.reason);
    fields.put("duration_ms", nanos / 1_000_000);
    fields.put(
        "detail", ok ? "" : record.detail.isEmpty() ? status.getDescription() : record.detail);
    String event = issuing ? (ok ? "issued" : "issuance_refused") : (ok ? "call" : "call_refused");
    LOG.log(level, "{0}", new LogEvent(event, fields));
  }
}
