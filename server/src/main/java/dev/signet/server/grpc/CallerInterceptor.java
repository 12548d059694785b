package dev.signet.server.grpc;

import dev.signet.server.auth.Caller;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.x509.X509;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * Turns the verified TLS client certificate into a {@link Caller} for the rest of the call. The TLS
 * layer has already checked the chain against the signet-api CA; here only decoded CN and O values
 * are taken, never a DN string.
 */
final class CallerInterceptor implements ServerInterceptor {
  static final Context.Key<Caller> CALLER = Context.key("signet-caller");

  /** When the caller's certificate expires: TLS checked it at the handshake only. */
  static final Context.Key<Instant> CREDENTIAL_NOT_AFTER = Context.key("signet-credential-expiry");

  private final RoleMapping roles;

  CallerInterceptor(RoleMapping roles) {
    this.roles = roles;
  }

  static Caller current() {
    return CALLER.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    X509Certificate certificate =
        peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (certificate == null) {
      call.close(
          Status.UNAUTHENTICATED.withDescription(
              "a client certificate issued by the signet-api CA is required"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Caller caller = callerOf(certificate);
    CallRecord.current().caller = caller.name();
    Context context =
        Context.current()
            .withValues(
                CALLER, caller, CREDENTIAL_NOT_AFTER, certificate.getNotAfter().toInstant());
    return Contexts.interceptCall(context, call, headers, next);
  }

  Caller callerOf(X509Certificate certificate) {
    X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    List<String> commonNames = X509.attributeValues(subject, BCStyle.CN);
    List<String> organizations = X509.attributeValues(subject, BCStyle.O);
    return Caller.withCredential(
        commonNames.size() == 1 ? commonNames.get(0) : "",
        organizations,
        roles.roleOf(organizations),
        X509.serialHex(certificate.getSerialNumber()));
  }

  private static X509Certificate peerCertificate(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? x509 : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
