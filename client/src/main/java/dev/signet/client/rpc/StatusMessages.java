package dev.signet.client.rpc;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Turns a failed call into what the user needs: which call failed, what signetd (or the network)
 * said, and what to do next, with the {@link ExitCode} of its kind. The one place that knows the
 * gRPC status codes on the client side.
 */
final class StatusMessages {
  private StatusMessages() {}

  static SignetException failure(
      StatusRuntimeException e, String call, ConnectionSettings settings) {
    Status status = e.getStatus();
    String said =
        status.getDescription() == null ? status.getCode().toString() : status.getDescription();
    String server = settings.server().toString();
    return switch (status.getCode()) {
      case INVALID_ARGUMENT ->
          new SignetException(
              ExitCode.INVALID_REQUEST,
              "signetd refused "
                  + call
                  + ": "
                  + said
                  + ". Nothing was issued; correct the input and run again.",
              e);
      case ALREADY_EXISTS ->
          new SignetException(
              ExitCode.INVALID_REQUEST, "signetd refused " + call + ": " + said + ".", e);
      case PERMISSION_DENIED, UNAUTHENTICATED ->
          new SignetException(
              ExitCode.DENIED,
              "signetd denied "
                  + call
                  + ": "
                  + said
                  + ". "
                  + (settings.hasCredential()
                      ? "The credential "
                          + settings.certificate()
                          + " may not ask for this; use one with a role that may."
                      : "A bootstrap token admits one node with its addresses, once, until it expires; ask for a new one"
                          + " (signet token create) if this one is spent or expired."),
              e);
      case NOT_FOUND ->
          new SignetException(
              ExitCode.INVALID_REQUEST,
              "signetd found nothing for " + call + ": " + said + ". Check the serial or name.",
              e);
      case FAILED_PRECONDITION ->
          new SignetException(
              ExitCode.CA_ERROR,
              "signetd cannot issue "
                  + call
                  + ": "
                  + said
                  + ". Its CA needs attention (see signetd's log).",
              e);
      case RESOURCE_EXHAUSTED ->
          new SignetException(
              ExitCode.TEMPORARY,
              "signetd is busy (" + said + "); run the same command again in a moment.",
              e);
      case DEADLINE_EXCEEDED ->
          new SignetException(
              ExitCode.TEMPORARY,
              "no answer from signetd at "
                  + server
                  + " within "
                  + settings.timeout().toSeconds()
                  + " s for "
                  + call
                  + ". Check that it is up and reachable, or allow more time with --timeout;"
                  + " running the same command again is safe.",
              e);
      case UNAVAILABLE -> unavailable(e, call, settings, said);
      default ->
          new SignetException(
              ExitCode.CA_ERROR,
              "signetd failed "
                  + call
                  + " ("
                  + status.getCode()
                  + "): "
                  + said
                  + ". See signetd's log.",
              e);
    };
  }

  /**
   * UNAVAILABLE comes either from the transport (no connection, TLS refused), where a cause or a
   * transport description is attached, or from signetd itself (token or ledger unavailable).
   */
  private static SignetException unavailable(
      StatusRuntimeException e, String call, ConnectionSettings settings, String said) {
    String server = settings.server().toString();
    Throwable cause = rootCause(e.getStatus().getCause());
    if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
      return new SignetException(
          ExitCode.UNREACHABLE,
          "cannot reach signetd at "
              + server
              + ": "
              + String.valueOf(cause.getMessage())
                  .replaceFirst("^.*: ", "")
                  .toLowerCase(Locale.ROOT)
              + ". Is signetd running (signetd serve) and is --server right?",
          e);
    }
    if (cause instanceof UnknownHostException) {
      return new SignetException(
          ExitCode.UNREACHABLE,
          "cannot resolve the host of --server " + server + ". Check the name.",
          e);
    }
    if (cause instanceof SSLException || isTlsRefusal(said)) {
      return new SignetException(
          ExitCode.UNREACHABLE,
          "the TLS handshake with signetd at " + server + " failed: " + tlsProblem(e, settings),
          e);
    }
    if (cause != null) {
      return new SignetException(
          ExitCode.UNREACHABLE,
          "lost the connection to signetd at "
              + server
              + " ("
              + cause.getMessage()
              + "). Check that it is"
              + " running; running the same command again is safe.",
          e);
    }
    return new SignetException(
        ExitCode.TEMPORARY,
        "signetd cannot issue "
            + call
            + " right now: "
            + said
            + ". Nothing was returned; run the same command again later.",
        e);
  }

  /** What gRPC says when the peer closes the connection during or right after the handshake. */
  private static boolean isTlsRefusal(String description) {
    return description.contains("Network closed for unknown reason")
        || description.contains("ssl")
        || description.contains("SSL")
        || description.contains("handshake");
  }

  /** Which side refused, read from the messages of the whole cause chain, and what to do. */
  private static String tlsProblem(Throwable failure, ConnectionSettings settings) {
    StringBuilder messages = new StringBuilder();
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    String all = messages.toString();
    if (all.contains("validity check failed")
        || all.contains("CertificateExpiredException")
        || all.contains("CertificateNotYetValidException")) {
      return "signetd's certificate has expired or is not yet valid. Check this machine's clock, and signetd's"
          + " serving credential (tls.certificate).";
    }
    if (all.contains("unable to find valid certification path") || all.contains("PKIX path")) {
      return "signetd's certificate is not signed by the CA in --ca-bundle "
          + settings.caBundle()
          + ". Give the signet-api CA (operator/ca.crt from signetd init).";
    }
    if (all.contains("subject alternative") || all.contains("No name matching")) {
      return "signetd's certificate does not name "
          + settings.server().host()
          + ". Use a --server host from its tls.serverNames (default: localhost, 127.0.0.1, ::1).";
    }
    if (all.contains("CERTIFICATE_REQUIRED")
        || all.contains("BAD_CERTIFICATE")
        || all.contains("UNKNOWN_CA")
        || all.contains("CERTIFICATE_UNKNOWN")
        || all.contains("CERTIFICATE_EXPIRED")
        || all.contains("CERTIFICATE_REVOKED")) {
      return "signetd refused this caller's credential "
          + settings.certificate()
          + ". It must be a current credential from signetd's signet-api CA (as operator.crt from signetd"
          + " init); cluster credentials such as admin.conf are not accepted.";
    }
    return "check that --ca-bundle is the signet-api CA (operator/ca.crt from signetd init) and that"
        + " --cert/--key is a current credential signetd issued.";
  }

  private static Throwable rootCause(Throwable throwable) {
    Throwable current = throwable;
    while (current != null && current.getCause() != null && current.getCause() != current) {
      if (current instanceof SSLException) {
        return current;
      }
      current = current.getCause();
    }
    return current;
  }
}
