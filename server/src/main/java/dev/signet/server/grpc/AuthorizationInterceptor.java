package dev.signet.server.grpc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.MethodAccess;
import dev.signet.server.auth.Role;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.revocation.RevokedCredentials;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Refuses, before the request is read, a call whose credential has expired, has been revoked or has
 * no sealed record in the ledger, or whose role may not use the method; audits each refusal. All
 * are checked per call, not only at the TLS handshake: a connection may outlive its credential's
 * validity (up to limits.maxConnectionAge) and a revocation must bite on open connections too.
 */
final class AuthorizationInterceptor implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(AuthorizationInterceptor.class.getName());

  private final MethodAccess access;
  private final RevokedCredentials revoked;
  private final AuditLog audit;
  private final Clock clock;

  AuthorizationInterceptor(
      MethodAccess access, RevokedCredentials revoked, AuditLog audit, Clock clock) {
    this.access = access;
    this.revoked = revoked;
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Caller caller = CallerInterceptor.current();
    Instant notAfter = CallerInterceptor.CREDENTIAL_NOT_AFTER.get();
    if (clock.instant().isAfter(notAfter)) {
      refuse(
          call,
          caller,
          AuditEvent.Decision.REJECTED,
          "CREDENTIAL_EXPIRED",
          "the credential of "
              + caller.name()
              + " (serial "
              + caller.serial()
              + ") expired at "
              + notAfter
              + ", after this connection was made; renew it before it expires (signet agent does"
              + " at two thirds of its lifetime) or, for a node, join again",
          Status.UNAUTHENTICATED);
      return new ServerCall.Listener<>() {};
    }
    CertificateStore.CredentialStanding standing;
    try {
      standing = revoked.standing(caller.serial());
    } catch (LedgerException e) {
      refuse(
          call,
          caller,
          AuditEvent.Decision.REJECTED,
          "LEDGER_UNAVAILABLE",
          "the ledger is unavailable; retry",
          Status.UNAVAILABLE);
      return new ServerCall.Listener<>() {};
    }
    if (standing == CertificateStore.CredentialStanding.UNRECORDED) {
      String why =
          "the credential of "
              + caller.name()
              + " (serial "
              + caller.serial()
              + ") has no valid record in the ledger";
      refuse(
          call,
          caller,
          AuditEvent.Decision.REJECTED,
          "CREDENTIAL_UNRECORDED",
          why,
          Status.UNAUTHENTICATED);
      return new ServerCall.Listener<>() {};
    }
    if (standing == CertificateStore.CredentialStanding.REVOKED) {
      String why =
          "the credential of "
              + caller.name()
              + " (serial "
              + caller.serial()
              + ") has been revoked";
      refuse(
          call,
          caller,
          AuditEvent.Decision.REJECTED,
          "CREDENTIAL_REVOKED",
          why,
          Status.UNAUTHENTICATED);
      return new ServerCall.Listener<>() {};
    }
    Optional<String> denial = access.denial(call.getMethodDescriptor().getFullMethodName(), caller);
    if (denial.isPresent()) {
      refuse(
          call,
          caller,
          AuditEvent.Decision.DENIED,
          "ROLE_NOT_ALLOWED",
          denial.get(),
          Status.PERMISSION_DENIED);
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private void refuse(
      ServerCall<?, ?> call,
      Caller caller,
      AuditEvent.Decision decision,
      String reason,
      String why,
      Status status) {
    String method = call.getMethodDescriptor().getBareMethodName();
    LOG.info("refused " + method + ": " + why);
    try {
      audit.record(
          new AuditEvent(
              clock.instant(),
              caller.name(),
              caller.role().map(Role::id).orElse(""),
              method,
              "",
              "",
              decision,
              reason,
              why,
              caller.serial(),
              "",
              ""));
    } catch (LedgerException e) {
      LOG.warning(
          "could not audit the refusal of "
              + method
              + " to "
              + caller.name()
              + ": "
              + e.getMessage());
    }
    call.close(status.withDescription(why), new Metadata());
  }
}
