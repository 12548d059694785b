package dev.signet.server.profile;

/** A typed request field is missing or malformed; the message names the field and the rule. */
public final class InvalidParametersException extends Exception {
  public InvalidParametersException(String message) {
    super(message);
  }
}
