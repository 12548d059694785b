package dev.signet.server.issuance;

/**
 * Why a request got no certificate. Each subclass maps to one gRPC status (in {@code
 * grpc.StatusMapper}, the only place that knows about gRPC). The message is safe to show the
 * caller: it says what was wrong with the request, never how Signet is built inside; {@link
 * #reason()} is the stable code that audit entries and metrics use.
 */
public abstract sealed class IssuanceException extends Exception
    permits IssuanceException.InvalidRequest,
        IssuanceException.Unauthenticated,
        IssuanceException.PermissionDenied,
        IssuanceException.Conflict,
        IssuanceException.NotFound,
        IssuanceException.CaNotValid,
        IssuanceException.Unavailable,
        IssuanceException.Busy,
        IssuanceException.Internal {
  private final String reason;

  IssuanceException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** A stable, machine-readable reason code such as {@code CSR_SIGNATURE_INVALID}. */
  public String reason() {
    return reason;
  }

  /** The request is malformed or asks for something its profile does not give. */
  public static final class InvalidRequest extends IssuanceException {
    public InvalidRequest(String reason, String message) {
      super(reason, message, null);
    }
  }

  /**
   * The caller could not be authenticated (a bad bootstrap token). The message is the same for
   * every cause, so that it helps no one guess; {@link #reason()} tells the audit trail which.
   */
  public static final class Unauthenticated extends IssuanceException {
    public Unauthenticated(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The caller may not make this request. */
  public static final class PermissionDenied extends IssuanceException {
    public PermissionDenied(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The request id was used before for a different request. */
  public static final class Conflict extends IssuanceException {
    public Conflict(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** What the request names (a serial) does not exist. */
  public static final class NotFound extends IssuanceException {
    public NotFound(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The issuing CA is not valid at this time. */
  public static final class CaNotValid extends IssuanceException {
    public CaNotValid(String reason, String message) {
      super(reason, message, null);
    }
  }

  /** The token or the ledger cannot be used now; the request may be retried. */
  public static final class Unavailable extends IssuanceException {
    public Unavailable(String reason, String message, Throwable cause) {
      super(reason, message, cause);
    }
  }

  /** Too much in flight; retry shortly. */
  public static final class Busy extends IssuanceException {
    public Busy(String reason, String message) {
      super(reason, message, null);
    }
  }

  /**
   * A fault in Signet itself (a profile that lints badly, a signature that does not verify). The
   * caller sees only the incident id; the log has the details.
   */
  public static final class Internal extends IssuanceException {
    private final String incident;

    public Internal(String reason, String incident, String detail, Throwable cause) {
      super(reason, detail, cause);
      this.incident = incident;
    }

    public String incident() {
      return incident;
    }
  }
}
