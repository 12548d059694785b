package dev.signet.server.grpc;

import dev.signet.server.auth.Caller;
import dev.signet.server.auth.MethodAccess;
import dev.signet.server.auth.Role;
import dev.signet.server.ledger.AuditEvent;
import dev.signet.server.ledger.AuditLog;
import dev.signet.server.ledger.LedgerException;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Clock;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Refuses a call whose caller's role may not use the method, before the request is read, and
 * audits the refusal.
 */
final class AuthorizationInterceptor implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(AuthorizationInterceptor.class.getName());

  private final MethodAccess access;
  private final AuditLog audit;
  private final Clock clock;

  AuthorizationInterceptor(MethodAccess access, AuditLog audit, Clock clock) {
    this.access = access;
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Caller caller = CallerInterceptor.current();
    String method = call.getMethodDescriptor().getFullMethodName();
    Optional<String> denial = access.denial(method, caller);
    if (denial.isPresent()) {
      LOG.info("denied: " + denial.get());
      try {
        audit.record(
            new AuditEvent(
                clock.instant(),
                caller.name(),
                caller.role().map(Role::id).orElse(""),
                call.getMethodDescriptor().getBareMethodName(),
                "",
                "",
                AuditEvent.Decision.DENIED,
                "ROLE_NOT_ALLOWED",
                denial.get(),
                "",
                "",
                ""));
      } catch (LedgerException e) {
        LOG.warning("could not audit the denial of " + method + " to " + caller.name() + ": " + e.getMessage());
      }
      call.close(Status.PERMISSION_DENIED.withDescription(denial.get()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
