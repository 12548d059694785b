package dev.signet.server.keystore;

/** The CA key could not sign. Whether to retry depends on {@link #busy()}. */
public final class SigningException extends Exception {
  private final boolean busy;

  private SigningException(String message, Throwable cause, boolean busy) {
    super(message, cause);
    this.busy = busy;
  }

  /** The token failed: the CA cannot sign until the daemon restarts against a working token. */
  public static SigningException tokenFailure(String message, Throwable cause) {
    return new SigningException(message, cause, false);
  }

  /** Every signing slot stayed taken for too long; the token itself is fine. */
  public static SigningException busy(String message) {
    return new SigningException(message, null, true);
  }

  public boolean busy() {
    return busy;
  }
}
