package dev.signet.server.keystore;

/**
 * The token failed or refused an operation. At run time this means the CA cannot sign right now:
 * Signet stops issuing ({@code UNAVAILABLE}) rather than guess.
 */
public class TokenException extends Exception {
  public TokenException(String message, Throwable cause) {
    super(message, cause);
  }
}
