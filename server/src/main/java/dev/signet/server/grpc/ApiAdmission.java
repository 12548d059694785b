package dev.signet.server.grpc;

import dev.signet.server.auth.Caller;
import dev.signet.server.auth.Role;
import dev.signet.server.config.SignetdConfig;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission on the API port, by role, after the caller is known. All calls together have {@code
 * maxConcurrentCalls} slots; {@code reservedCaAdminCalls} of them only ca-admin credentials may
 * take, so an operator is served however busy the daemon is; node and auditor credentials (the
 * many) share {@code maxNodeCalls}, sized to what the token can sign, and each of them at most
 * {@code maxCallsPerCredential}, so one node cannot starve the others. Provisioners (control-plane
 * work) may use everything but the ca-admin reserve. A call that finds its lane full is refused at
 * once with RESOURCE_EXHAUSTED and a retry hint: waiting in a queue would only end in its deadline.
 */
final class ApiAdmission implements ServerInterceptor {
  private final Slots slots = new Slots();
  private final Slots.Limit all;
  private final Slots.Limit notCaAdmin;
  private final Slots.Limit nodes;
  private final int perCredential;
  private final CallDurations durations;
  private final Clock clock;
  private final AtomicLong refused = new AtomicLong();

  ApiAdmission(SignetdConfig.Limits limits, Clock clock) {
    int max = limits.maxConcurrentCalls();
    this.all = new Slots.Limit("all", max, "signetd is handling its maximum of " + max + " calls");
    this.notCaAdmin =
        new Slots.Limit(
            "not-ca-admin",
            max - limits.reservedCaAdminCalls(),
            "the "
                + (max - limits.reservedCaAdminCalls())
                + " calls open to roles other than ca-admin are all in use");
    this.nodes =
        new Slots.Limit(
            "nodes",
            limits.maxNodeCalls(),
            "the "
                + limits.maxNodeCalls()
                + " calls that node and auditor credentials share are all in use");
    this.perCredential = limits.maxCallsPerCredential();
    this.durations = new CallDurations(Duration.ofMillis(100), limits.maxCallDuration());
    this.clock = clock;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    List<Slots.Limit> limits = limitsFor(CallerInterceptor.current());
    Optional<Slots.Limit> full = slots.tryTake(limits);
    if (full.isPresent()) {
      refused.incrementAndGet();
      RetryHint.refuse(call, full.get().refusal(), durations.retryAfter());
      return new ServerCall.Listener<>() {};
    }
    Instant start = clock.instant();
    CallBounds.onEnd(
        () -> {
          slots.give(limits);
          durations.record(Duration.between(start, clock.instant()));
        });
    return next.startCall(call, headers);
  }

  private List<Slots.Limit> limitsFor(Caller caller) {
    List<Slots.Limit> limits = new ArrayList<>(List.of(all));
    if (caller.has(Role.CA_ADMIN)) {
      return limits;
    }
    limits.add(notCaAdmin);
    if (!caller.has(Role.PROVISIONER)) {
      limits.add(nodes);
      limits.add(
          new Slots.Limit(
              "credential:" + caller.serial(),
              perCredential,
              caller.name() + " already has " + perCredential + " calls in flight"));
    }
    return limits;
  }

  /** Calls in flight now. */
  int inFlight() {
    return slots.taken(all.key());
  }

  /** Calls in flight now under node and auditor credentials. */
  int nodeCallsInFlight() {
    return slots.taken(nodes.key());
  }

  int maxCalls() {
    return all.max();
  }

  long refused() {
    return refused.get();
  }
}
