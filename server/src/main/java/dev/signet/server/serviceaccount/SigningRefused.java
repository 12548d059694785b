package dev.signet.server.serviceaccount;

/** A Sign call that signed nothing, and why: what the gRPC layer turns into a status. */
public final class SigningRefused extends Exception {
  /** Why nothing was signed; also the reason code in the aggregated audit events. */
  public enum Reason {
    /** The claims are not what kube-apiserver sends (encoding, JSON, lifetime). */
    INVALID_CLAIMS,
    /** More signatures per second than {@code serviceAccount.maxSignsPerSecond}. */
    RATE_LIMITED,
    /** The token is busy: every signing slot stayed taken. Retry. */
    BUSY,
    /** The token failed. signetd stops and is restarted. */
    TOKEN_UNAVAILABLE
  }

  private final Reason reason;

  public SigningRefused(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
