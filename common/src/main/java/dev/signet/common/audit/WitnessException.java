package dev.signet.common.audit;

/** A witness line or file that is malformed or does not verify; the message says where and why. */
public final class WitnessException extends Exception {
  private static final long serialVersionUID = 1L;

  public WitnessException(String message) {
    super(message);
  }
}
