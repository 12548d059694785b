package dev.signet.server.database;

/** The ledger could not do what was asked. */
public class LedgerException extends Exception {
  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The database cannot be reached or refused the write: nothing may be issued now. */
  public static final class Unavailable extends LedgerException {
    public Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The serial is taken for this issuer: draw another one. */
  public static final class DuplicateSerial extends LedgerException {
    public DuplicateSerial(String serial) {
      super("serial " + serial + " is already recorded for this issuer", null);
    }
  }

  /** The caller already has a request under this id. */
  public static final class DuplicateRequest extends LedgerException {
    public DuplicateRequest(String requestId) {
      super("request id " + requestId + " is already recorded for this caller", null);
    }
  }

  /**
   * The credential a renewal was made with has been revoked (its line with it): the renewal is not
   * recorded.
   */
  public static final class PredecessorRevoked extends LedgerException {
    public PredecessorRevoked(String serial) {
      super("credential " + serial + " has been revoked", null);
    }
  }
}
