package dev.signet.server.grpc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.RefusalAudit;
import dev.signet.server.config.SignetdConfig;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;

/**
 * Admission on the enrollment port, where nobody is authenticated: each source address (see {@link
 * Peers}) may start {@code callsPerSecondPerPeer} calls a second (bursts of {@code
 * callBurstPerPeer}) and hold {@code maxCallsPerPeer} in flight, and all sources together {@code
 * maxConcurrentCalls}. Refusals are RESOURCE_EXHAUSTED with a retry hint, and are audited through
 * the {@link RefusalAudit} (counted, not written one by one, and not logged one by one). A source
 * refused for its rate more than {@code callBurstPerPeer} times beyond what that rate refills (it
 * goes on at more than twice its rate: it ignores the hints) is disconnected and shut out (see
 * {@link PeerConnections#shutOut}) until its call budget has refilled. The source goes on in the
 * context, for the join's own refusals.
 */
final class EnrollmentAdmission implements ServerInterceptor {
  static final Context.Key<String> PEER = Context.key("signet-peer");

  private static final int REMEMBERED_PEERS = 65_536;

  private final Slots slots = new Slots();
  private final Slots.Limit all;
  private final int perPeer;
  private final PeerRates rates;
  private final double perSecond;
  private final int burst;
  private final PeerConnections connections;
  private final CallDurations durations;
  private final RefusalAudit refusals;
  private final Clock clock;
  private final AtomicLong refused = new AtomicLong();

  EnrollmentAdmission(
      SignetdConfig.Enrollment enrollment,
      Duration maxCallDuration,
      PeerConnections connections,
      RefusalAudit refusals,
      Clock clock) {
    this.all =
        new Slots.Limit(
            "all",
            enrollment.maxConcurrentCalls(),
            "signetd is handling its maximum of "
                + enrollment.maxConcurrentCalls()
                + " calls on the enrollment port");
    this.perPeer = enrollment.maxCallsPerPeer();
    this.perSecond = enrollment.callsPerSecondPerPeer();
    this.burst = enrollment.callBurstPerPeer();
    this.connections = connections;
    this.rates =
        new PeerRates(
            enrollment.callsPerSecondPerPeer(), enrollment.callBurstPerPeer(), REMEMBERED_PEERS);
    this.durations = new CallDurations(Duration.ofMillis(100), maxCallDuration);
    this.refusals = refusals;
    this.clock = clock;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String peer = Peers.of(remote);
    String method = call.getMethodDescriptor().getBareMethodName();
    if (connections.isShutOut(peer)) {
      ServerCall.Listener<Q> refusal =
          refuse(
              call,
              peer,
              method,
              "SHUT_OUT",
              peer + " is shut out for ignoring retry hints",
              rates.refill());
      connections.disconnect(remote);
      return refusal;
    }
    PeerRates.Verdict verdict = rates.take(peer, System.nanoTime());
    if (!verdict.admitted()) {
      if (verdict.ignoresHints()) {
        ServerCall.Listener<Q> refusal =
            refuse(
                call,
                peer,
                method,
                "SHUT_OUT",
                peer
                    + " went on calling after more than "
                    + burst
                    + " refusals for its rate: shut out for "
                    + rates.refill().toMillis()
                    + " ms",
                rates.refill());
        connections.shutOut(peer, remote, rates.refill());
        return refusal;
      }
      return refuse(
          call,
          peer,
          method,
          "RATE_LIMITED",
          "more than " + perSecond + " calls a second from " + peer,
          verdict.retryAfter().orElseThrow());
    }
    List<Slots.Limit> limits =
        List.of(
            all,
            new Slots.Limit(
                "peer:" + peer, perPeer, peer + " already has " + perPeer + " calls in flight"));
    Optional<Slots.Limit> full = slots.tryTake(limits);
    if (full.isPresent()) {
      return refuse(
          call,
          peer,
          method,
          full.get().equals(all) ? "ENROLLMENT_BUSY" : "PEER_BUSY",
          full.get().refusal(),
          durations.retryAfter());
    }
    Instant start = clock.instant();
    CallBounds.onEnd(
        () -> {
          slots.give(limits);
          durations.record(Duration.between(start, clock.instant()));
        });
    return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
  }

  private <Q> ServerCall.Listener<Q> refuse(
      ServerCall<Q, ?> call,
      String peer,
      String method,
      String reason,
      String why,
      Duration retryAfter) {
    refused.incrementAndGet();
    // counted in metrics and the audit; a log line each would make a flood a log flood
    CallRecord.refused(reason, why);
    CallRecord.current().refusalLevel = Level.FINE;
    refusals.refused(peer, AuditEvent.unauthenticatedRefusal(clock.instant(), method, reason, why));
    RetryHint.refuse(call, why, retryAfter);
    return new ServerCall.Listener<>() {};
  }

  /** Forgets sources whose call budget is full again, so that the table stays small. */
  void forgetIdlePeers() {
    rates.forgetIdle(System.nanoTime());
    connections.forgetIdlePeers();
  }

  int inFlight() {
    return slots.taken(all.key());
  }

  int maxCalls() {
    return all.max();
  }

  long refused() {
    return refused.get();
  }
}
