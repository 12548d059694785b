package dev.signet.server.grpc;

import io.grpc.Context;
import java.util.logging.Level;

/**
 * What one call did, filled in as it runs: who called, which profile it asked for, what was issued,
 * and why it was refused. {@link ObservedCalls} opens it when the call arrives and reports it (a
 * metric, one log line) when the call is answered.
 */
final class CallRecord {
  private static final Context.Key<CallRecord> KEY = Context.key("signet-call-record");

  volatile String caller = "";
  volatile String profile = "";
  volatile String node = "";
  volatile String requestId = "";
  volatile String serial = "";
  volatile String reason = "";
  volatile String detail = "";

  /**
   * The level a refusal is logged at: INFO, or FINE for callers nobody authenticated, whose
   * refusals {@link dev.signet.server.audit.RefusalAudit} counts (a flood is not a log flood).
   */
  volatile Level refusalLevel = Level.INFO;

  Context attachTo(Context context) {
    return context.withValue(KEY, this);
  }

  /** The record of the current call; a detached one outside an observed call. */
  static CallRecord current() {
    CallRecord record = KEY.get();
    return record != null ? record : new CallRecord();
  }

  /**
   * Notes an issuing call: the profile asked for, the node it is for (empty for none) and the
   * caller's request id.
   */
  static void issuing(String profile, String node, String requestId) {
    CallRecord record = current();
    record.profile = profile;
    record.node = node;
    record.requestId = requestId;
  }

  /** Notes why the call is refused: Signet's reason code and the message the caller gets. */
  static void refused(String reason, String detail) {
    CallRecord record = current();
    record.reason = reason;
    record.detail = detail;
  }
}
