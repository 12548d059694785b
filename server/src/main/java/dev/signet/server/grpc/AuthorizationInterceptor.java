package dev.signet.server.grpc;

import dev.signet.server.auth.Caller;
import dev.signet.server.auth.MethodAccess;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.logging.Logger;

/** Refuses a call whose caller's role may not use the method, before the request is read. */
final class AuthorizationInterceptor implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(AuthorizationInterceptor.class.getName());

  private final MethodAccess access;

  AuthorizationInterceptor(MethodAccess access) {
    this.access = access;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Caller caller = CallerInterceptor.current();
    Optional<String> denial = access.denial(call.getMethodDescriptor().getFullMethodName(), caller);
    if (denial.isPresent()) {
      LOG.info("denied: " + denial.get());
      call.close(Status.PERMISSION_DENIED.withDescription(denial.get()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
