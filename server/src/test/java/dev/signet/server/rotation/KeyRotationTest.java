package dev.signet.server.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.ledger.CaGenerations;
import dev.signet.server.ledger.KeyGeneration;
import dev.signet.server.ledger.KeyGeneration.State;
import dev.signet.server.ledger.ServiceAccountKeyGenerations;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.rotation.KeyRotation.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared rotation state machine, over both kinds of recorded generation (a CA's and the
 * service-account key's): every legal transition, and every illegal one refused with one message
 * that differs between the kinds only by the subject's name.
 */
class KeyRotationTest {
  private static final Instant BEFORE = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant NOW = Instant.parse("2026-02-01T00:00:00Z");

  /** A subject whose token and readiness are scripted; it counts the keys it makes. */
  private static final class Scripted<G extends KeyGeneration<G>>
      implements KeyRotation.Subject<G> {
    final String name;
    final BiFunction<Integer, State, G> generation;
    Optional<String> notReadyToActivate = Optional.empty();
    Optional<String> notReadyToRetire = Optional.empty();
    final List<Integer> created = new ArrayList<>();

    Scripted(String name, BiFunction<Integer, State, G> generation) {
      this.name = name;
      this.generation = generation;
    }

    /** Generations 1, 2, ... in the given states. */
    List<G> of(State... states) {
      List<G> generations = new ArrayList<>();
      for (int i = 0; i < states.length; i++) {
        generations.add(generation.apply(i + 1, states[i]));
      }
      return generations;
    }

    List<State> states(List<G> generations) {
      return generations.stream().map(KeyGeneration::state).toList();
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String auditAction() {
      return "test-rotate";
    }

    @Override
    public String auditReasonPrefix() {
      return "TEST_";
    }

    @Override
    public List<G> recorded() {
      throw new UnsupportedOperationException("KeyRotation.next reads nothing");
    }

    @Override
    public G configured() {
      return generation.apply(1, State.ACTIVE);
    }

    @Override
    public boolean replace(List<G> expected, List<G> next, AuditEvent event) {
      throw new UnsupportedOperationException("KeyRotation.next records nothing");
    }

    @Override
    public G create(int number, Instant now) {
      created.add(number);
      return generation.apply(number, State.PREPARED).with(State.PREPARED, now);
    }

    @Override
    public Optional<String> notReadyToActivate(G prepared, Instant now) {
      return notReadyToActivate;
    }

    @Override
    public Optional<String> notReadyToRetire(G previous, Instant now) {
      return notReadyToRetire;
    }

    @Override
    public void adopt() {}

    List<G> step(List<G> current, Phase phase, boolean force) throws Exception {
      return KeyRotation.next(this, current, phase, force, NOW);
    }

    String refusal(List<G> current, Phase phase, boolean force) {
      IssuanceException refused =
          assertThrows(IssuanceException.class, () -> step(current, phase, force));
      assertEquals("ROTATION_PRECONDITION", refused.reason());
      return refused.getMessage();
    }
  }

  private static Scripted<CaGenerations.Generation> ca() {
    return new Scripted<>(
        "etcd-ca CA",
        (number, state) ->
            new CaGenerations.Generation(
                TrustDomain.ETCD, number, "etcd-ca.g" + number, state, Optional.empty(), BEFORE));
  }

  private static Scripted<ServiceAccountKeyGenerations.Generation> serviceAccount() {
    return new Scripted<>(
        "service-account key",
        (number, state) ->
            new ServiceAccountKeyGenerations.Generation(number, "sa.g" + number, state, BEFORE));
  }

  static Stream<Arguments> subjects() {
    return Stream.of(Arguments.of(ca()), Arguments.of(serviceAccount()));
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <G extends KeyGeneration<G>> void aFullRotationMovesEachGenerationThroughItsStates(
      Scripted<G> subject) throws Exception {
    List<G> prepared = subject.step(subject.of(State.ACTIVE), Phase.PREPARE, false);
    assertEquals(List.of(State.ACTIVE, State.PREPARED), subject.states(prepared));
    assertEquals(List.of(2), subject.created);
    assertEquals(NOW, prepared.get(1).changedAt());
    assertEquals(BEFORE, prepared.get(0).changedAt(), "the untouched generation keeps its time");

    List<G> activated = subject.step(prepared, Phase.ACTIVATE, false);
    assertEquals(List.of(State.PREVIOUS, State.ACTIVE), subject.states(activated));
    assertEquals(NOW, activated.get(0).changedAt());

    List<G> retired = subject.step(activated, Phase.RETIRE, false);
    assertEquals(List.of(State.RETIRED, State.ACTIVE), subject.states(retired));

    List<G> again = subject.step(retired, Phase.PREPARE, false);
    assertEquals(List.of(State.RETIRED, State.ACTIVE, State.PREPARED), subject.states(again));
    assertEquals(3, again.get(2).number(), "a new generation takes the next number");
    assertEquals(List.of(2, 3), subject.created);
  }

  @ParameterizedTest
  @MethodSource("subjects")
  <G extends KeyGeneration<G>> void rollbackUndoesAnActivateThenAPrepare(Scripted<G> subject)
      throws Exception {
    List<G> undoneActivate =
        subject.step(subject.of(State.PREVIOUS, State.ACTIVE), Phase.ROLLBACK, false);
    assertEquals(List.of(State.ACTIVE, State.PREPARED), subject.states(undoneActivate));

    List<G> undonePrepare = subject.step(undoneActivate, Phase.ROLLBACK, false);
    assertEquals(List.of(State.ACTIVE, State.RETIRED), subject.states(undonePrepare));
    assertTrue(subject.created.isEmpty(), "a rollback makes no key");
  }

  /** Each illegal step, the generations it is tried on, and its message with NAME for the name. */
  static Stream<Arguments> illegalSteps() {
    return Stream.of(
        Arguments.of(
            Phase.PREPARE,
            new State[] {State.ACTIVE, State.PREPARED},
            "a new NAME is already prepared; activate it or roll back"),
        Arguments.of(
            Phase.PREPARE,
            new State[] {State.PREVIOUS, State.ACTIVE},
            "retire the previous NAME before preparing another"),
        Arguments.of(
            Phase.ACTIVATE,
            new State[] {State.ACTIVE},
            "no prepared NAME to activate; run prepare first"),
        Arguments.of(
            Phase.ACTIVATE,
            new State[] {State.PREVIOUS, State.ACTIVE},
            "no prepared NAME to activate; run prepare first"),
        Arguments.of(
            Phase.RETIRE,
            new State[] {State.ACTIVE},
            "no previous NAME to retire; activate a new one first"),
        Arguments.of(
            Phase.RETIRE,
            new State[] {State.ACTIVE, State.PREPARED},
            "no previous NAME to retire; activate a new one first"),
        Arguments.of(
            Phase.ROLLBACK,
            new State[] {State.ACTIVE},
            "nothing to roll back for the NAME: a retire is final"),
        Arguments.of(
            Phase.ROLLBACK,
            new State[] {State.RETIRED, State.ACTIVE},
            "nothing to roll back for the NAME: a retire is final"));
  }

  @ParameterizedTest
  @MethodSource("illegalSteps")
  void everyIllegalStepIsRefusedWithOneMessageForBothKinds(
      Phase phase, State[] states, String message) {
    for (Scripted<?> subject : List.of(ca(), serviceAccount())) {
      String expected = message.replace("NAME", subject.name());
      assertEquals(expected, refusal(subject, states, phase, false), subject.name);
      assertEquals(
          expected,
          refusal(subject, states, phase, true),
          "force skips readiness checks, never the state rules");
      assertTrue(subject.created.isEmpty(), "a refused step makes no key");
    }
  }

  private static <G extends KeyGeneration<G>> String refusal(
      Scripted<G> subject, State[] states, Phase phase, boolean force) {
    return subject.refusal(subject.of(states), phase, force);
  }

  @Test
  void aSubjectNotReadyIsRefusedWithItsReasonUnlessForced() throws Exception {
    for (Scripted<?> subject : List.of(ca(), serviceAccount())) {
      subject.notReadyToActivate = Optional.of("not fetched yet");
      subject.notReadyToRetire = Optional.of("tokens still live");
      checkReadiness(subject);
    }
  }

  private static <G extends KeyGeneration<G>> void checkReadiness(Scripted<G> subject)
      throws Exception {
    List<G> prepared = subject.of(State.ACTIVE, State.PREPARED);
    assertEquals("not fetched yet", subject.refusal(prepared, Phase.ACTIVATE, false));
    assertEquals(
        List.of(State.PREVIOUS, State.ACTIVE),
        subject.states(subject.step(prepared, Phase.ACTIVATE, true)));

    List<G> activated = subject.of(State.PREVIOUS, State.ACTIVE);
    assertEquals("tokens still live", subject.refusal(activated, Phase.RETIRE, false));
    assertEquals(
        List.of(State.RETIRED, State.ACTIVE),
        subject.states(subject.step(activated, Phase.RETIRE, true)));
  }
}
