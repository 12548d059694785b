package dev.signet.server.rotation;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.Role;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.ledger.KeyGeneration;
import dev.signet.server.ledger.KeyGeneration.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The rotation state machine of every rotated key, a cluster CA's ({@link CaRotation}) and the
 * service-account signing key's (serviceaccount.ServiceAccountKeys): one phase at a time, each an
 * audited ledger transaction checked against concurrent steps of other replicas.
 *
 * <pre>
 * phase     allowed when                       transition
 * prepare   no PREPARED and no PREVIOUS        + a new generation, PREPARED (trusted, not signing)
 * activate  a PREPARED (and its subject ready) PREPARED to ACTIVE, ACTIVE to PREVIOUS
 * retire    a PREVIOUS (and its subject ready) PREVIOUS to RETIRED (final)
 * rollback  a PREVIOUS older than the ACTIVE   ACTIVE to PREPARED, PREVIOUS to ACTIVE (undoes activate)
 *           otherwise a PREPARED               PREPARED to RETIRED (undoes prepare)
 * </pre>
 *
 * Any other step is refused with {@code ROTATION_PRECONDITION} and a message that names the {@link
 * Subject}; force skips only the subject's readiness checks, never the state rules.
 */
public final class KeyRotation {
  private static final Logger LOG = Logger.getLogger(KeyRotation.class.getName());

  /** The rotation steps. */
  public enum Phase {
    PREPARE,
    ACTIVATE,
    RETIRE,
    ROLLBACK
  }

  /** What differs between the rotated keys. */
  public interface Subject<G extends KeyGeneration<G>> {
    /** How refusals, logs and the audit trail name it: "etcd-ca CA", "service-account key". */
    String name();

    /** The audit action of its steps; the audit reason is {@code reasonPrefix} and the phase. */
    String auditAction();

    String auditReasonPrefix();

    /** Its recorded generations; empty before the first rotation. */
    List<G> recorded() throws LedgerException;

    /** Its generations before the first rotation: the configured key, generation 1, active. */
    G configured();

    /**
     * Records {@code next} and {@code event} in one transaction if the recorded generations are
     * still {@code expected}; false, changing nothing, otherwise.
     */
    boolean replace(List<G> expected, List<G> next, AuditEvent event) throws LedgerException;

    /** Makes the key of generation {@code number} in the token: the prepare phase's work. */
    G create(int number, Instant now) throws TokenException, SigningException;

    /** Why {@code prepared} may not sign yet (refused unless forced); empty when it may. */
    Optional<String> notReadyToActivate(G prepared, Instant now);

    /** Why {@code previous} must stay trusted (refused unless forced); empty when it need not. */
    Optional<String> notReadyToRetire(G previous, Instant now) throws LedgerException;

    /** Makes the daemon use the generations as now recorded, after a step. */
    void adopt() throws LedgerException, TokenException;
  }

  private KeyRotation() {}

  /**
   * Takes one rotation step of {@code subject} for {@code caller}, records it with its audit event
   * ({@code note} appended to the detail), adopts it and returns the generations after it.
   */
  public static <G extends KeyGeneration<G>> List<G> rotate(
      Subject<G> subject, Caller caller, Phase phase, boolean force, String note, Instant now)
      throws IssuanceException {
    try {
      List<G> stored = subject.recorded();
      List<G> current = stored.isEmpty() ? List.of(subject.configured()) : stored;
      List<G> next = next(subject, current, phase, force, now);
      String detail = subject.name() + ": " + describe(next) + (force ? " (forced)" : "") + note;
      AuditEvent event =
          new AuditEvent(
              now,
              caller.name(),
              caller.role().map(Role::id).orElse(""),
              subject.auditAction(),
              "",
              "",
              AuditEvent.Decision.APPROVED,
              subject.auditReasonPrefix() + phase.name(),
              detail,
              "",
              "",
              "");
      if (!subject.replace(stored, next, event)) {
        throw new IssuanceException.Conflict(
            "CONCURRENT_ROTATION",
            "another rotation step of the "
                + subject.name()
                + " happened meanwhile; check the status and try again");
      }
      subject.adopt();
      LOG.info(() -> "rotation, " + phase + " by " + caller.name() + ": " + detail);
      return next;
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; nothing changed", e);
    } catch (TokenException | SigningException e) {
      throw new IssuanceException.Unavailable(
          "TOKEN_UNAVAILABLE",
          "the token could not make the new " + subject.name() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * The generations after {@code phase} applied to {@code current}, or the refusal. Only prepare
   * touches the token ({@link Subject#create}); nothing is recorded here.
   */
  public static <G extends KeyGeneration<G>> List<G> next(
      Subject<G> subject, List<G> current, Phase phase, boolean force, Instant now)
      throws IssuanceException, LedgerException, TokenException, SigningException {
    return switch (phase) {
      case PREPARE -> prepare(subject, current, now);
      case ACTIVATE -> activate(subject, current, force, now);
      case RETIRE -> retire(subject, current, force, now);
      case ROLLBACK -> rollback(subject, current, now);
    };
  }

  private static <G extends KeyGeneration<G>> List<G> prepare(
      Subject<G> subject, List<G> current, Instant now)
      throws IssuanceException, TokenException, SigningException {
    if (find(current, State.PREPARED).isPresent()) {
      throw refused("a new " + subject.name() + " is already prepared; activate it or roll back");
    }
    if (find(current, State.PREVIOUS).isPresent()) {
      throw refused("retire the previous " + subject.name() + " before preparing another");
    }
    int number = current.stream().mapToInt(KeyGeneration::number).max().orElse(1) + 1;
    List<G> next = new ArrayList<>(current);
    next.add(subject.create(number, now));
    return List.copyOf(next);
  }

  private static <G extends KeyGeneration<G>> List<G> activate(
      Subject<G> subject, List<G> current, boolean force, Instant now) throws IssuanceException {
    G prepared =
        find(current, State.PREPARED)
            .orElseThrow(
                () -> refused("no prepared " + subject.name() + " to activate; run prepare first"));
    Optional<String> notReady = subject.notReadyToActivate(prepared, now);
    if (notReady.isPresent() && !force) {
      throw refused(notReady.get());
    }
    return current.stream()
        .map(
            g ->
                switch (g.state()) {
                  case PREPARED -> g.with(State.ACTIVE, now);
                  case ACTIVE -> g.with(State.PREVIOUS, now);
                  default -> g;
                })
        .toList();
  }

  private static <G extends KeyGeneration<G>> List<G> retire(
      Subject<G> subject, List<G> current, boolean force, Instant now)
      throws IssuanceException, LedgerException {
    G previous =
        find(current, State.PREVIOUS)
            .orElseThrow(
                () ->
                    refused(
                        "no previous " + subject.name() + " to retire; activate a new one first"));
    Optional<String> notReady = subject.notReadyToRetire(previous, now);
    if (notReady.isPresent() && !force) {
      throw refused(notReady.get());
    }
    // Within a rotation a generation is known by its number (the ledger's key), here and below.
    return current.stream()
        .map(g -> g.number() == previous.number() ? g.with(State.RETIRED, now) : g)
        .toList();
  }

  private static <G extends KeyGeneration<G>> List<G> rollback(
      Subject<G> subject, List<G> current, Instant now) throws IssuanceException {
    Optional<G> previous = find(current, State.PREVIOUS);
    Optional<G> active = find(current, State.ACTIVE);
    if (previous.isPresent()
        && active.isPresent()
        && active.get().number() > previous.get().number()) {
      // undo activate: the old key signs again, the new one is only trusted
      int undone = active.get().number();
      int restored = previous.get().number();
      return current.stream()
          .map(
              g ->
                  g.number() == undone
                      ? g.with(State.PREPARED, now)
                      : g.number() == restored ? g.with(State.ACTIVE, now) : g)
          .toList();
    }
    Optional<G> prepared = find(current, State.PREPARED);
    if (prepared.isPresent()) {
      // undo prepare: the new key is no longer trusted; it stays in the token under its label
      int undone = prepared.get().number();
      return current.stream()
          .map(g -> g.number() == undone ? g.with(State.RETIRED, now) : g)
          .toList();
    }
    throw refused("nothing to roll back for the " + subject.name() + ": a retire is final");
  }

  private static <G extends KeyGeneration<G>> Optional<G> find(List<G> generations, State state) {
    return generations.stream().filter(g -> g.state() == state).findFirst();
  }

  private static String describe(List<? extends KeyGeneration<?>> generations) {
    return generations.stream().map(g -> g.keyLabel() + "=" + g.state()).toList().toString();
  }

  private static IssuanceException refused(String message) {
    return new IssuanceException.CaNotValid("ROTATION_PRECONDITION", message);
  }
}
