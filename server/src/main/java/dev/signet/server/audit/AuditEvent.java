package dev.signet.server.audit;

import java.time.Instant;

/**
 * One decision Signet made, for the audit trail: who asked (the caller and its role), for what (the
 * action, profile and node), what was decided and why (a stable reason code and a human-readable
 * detail), and what it concerned (serial, request id, bootstrap token id). Never a secret: no PIN,
 * key, token secret or CSR.
 */
public record AuditEvent(
    Instant at,
    String caller,
    String callerRole,
    String action,
    String profile,
    String nodeName,
    Decision decision,
    String reason,
    String detail,
    String serial,
    String requestId,
    String tokenId) {

  /** The outcome of a request. */
  public enum Decision {
    /** A certificate was issued, a credential or token created, a token used. */
    APPROVED,
    /** Recorded with the intent, before the token signs. */
    SIGNING,
    /** The caller may not do this. */
    DENIED,
    /** The request was malformed, or a token was bad. */
    REJECTED,
    /** Signet could not do it (token, ledger, internal fault). */
    FAILED,
    /** Something allowed that an operator should know about (a provisioner without constraints). */
    WARNING
  }

  /** A refusal of a caller without a credential (the enrollment port, before any identity). */
  public static AuditEvent unauthenticatedRefusal(
      Instant at, String action, String reason, String detail) {
    return new AuditEvent(
        at, "unauthenticated", "", action, "", "", Decision.REJECTED, reason, detail, "", "", "");
  }

  public AuditEvent {
    caller = text(caller);
    callerRole = text(callerRole);
    action = text(action);
    profile = text(profile);
    nodeName = text(nodeName);
    reason = text(reason);
    detail = text(detail);
    serial = text(serial);
    requestId = text(requestId);
    tokenId = text(tokenId);
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }
}
