package dev.signet.server.serviceaccount;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.Role;
import dev.signet.server.ca.CaSetup;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.ledger.CaGenerations.State;
import dev.signet.server.ledger.ServiceAccountKeyGenerations;
import dev.signet.server.ledger.ServiceAccountKeyGenerations.Generation;
import dev.signet.server.rotation.CaRotation.Phase;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The service-account signing keys: the {@link KeySet} that Sign and FetchKeys use now, and its
 * rotation without downtime, like a CA's, in phases each audited and recorded in the ledger:
 *
 * <ol>
 *   <li>prepare: a new key in the token, published by FetchKeys (verification only) from the next
 *       fetch on;
 *   <li>activate: the new key signs, the old one stays published, once kube-apiserver has had
 *       {@code 2 × refreshHint} to fetch the new one (or forced);
 *   <li>retire: the old key leaves FetchKeys, once every token it signed has expired: it stopped
 *       signing at activate, and no token lives longer than {@code maxTokenExpiration} (or forced).
 * </ol>
 *
 * Rollback undoes a prepare or an activate. Every replica adopts a step within the refresh
 * interval.
 */
public final class ServiceAccountKeys implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ServiceAccountKeys.class.getName());

  /** The CN in the certificate stored with each service-account key. */
  public static final String KEY_COMMON_NAME = "signet-service-account";

  /** After activate, how long another replica may still sign with the old key. */
  private static final Duration ADOPTION_MARGIN = Duration.ofMinutes(5);

  /** What a rotation needs to know of the configuration. */
  public record Settings(
      String baseLabel,
      dev.signet.common.KeyAlgorithm algorithm,
      Duration refreshHint,
      Duration maxTokenExpiration,
      List<PublicKey> legacy,
      Duration keyValidity,
      Duration backdate) {
    public Settings {
      legacy = List.copyOf(legacy);
    }
  }

  private final CaKeyStore store;
  private final ServiceAccountKeyGenerations recorded;
  private final Settings settings;
  private final Clock clock;
  private final SecureRandom random;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-sa-keys");
            thread.setDaemon(true);
            return thread;
          });
  private volatile KeySet current;
  private volatile List<Generation> adopted;
  private ScheduledFuture<?> periodic;

  private ServiceAccountKeys(
      CaKeyStore store,
      ServiceAccountKeyGenerations recorded,
      Settings settings,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.recorded = recorded;
    this.settings = settings;
    this.clock = clock;
    this.random = random;
  }

  /** Loads the keys as the ledger records them now. */
  public static ServiceAccountKeys load(
      CaKeyStore store,
      ServiceAccountKeyGenerations recorded,
      Settings settings,
      Clock clock,
      SecureRandom random)
      throws TokenException, LedgerException {
    ServiceAccountKeys keys = new ServiceAccountKeys(store, recorded, settings, clock, random);
    keys.adopt(recorded.all());
    return keys;
  }

  /** The keys as they stand. */
  public KeySet current() {
    return current;
  }

  /** Checks for other replicas' rotation steps every {@code interval}. */
  public void start(Duration interval) {
    periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                List<Generation> now = recorded.all();
                if (!now.equals(adopted)) {
                  adopt(now);
                  LOG.info("adopted a service-account key rotation step made by another replica");
                }
              } catch (LedgerException | TokenException | RuntimeException e) {
                LOG.warning("cannot refresh the service-account keys: " + e.getMessage());
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** When a previous generation may be retired without force: its last token has expired. */
  public Instant retirableAt(KeySet.Generation previous) {
    return previous.changedAt().plus(settings.maxTokenExpiration()).plus(ADOPTION_MARGIN);
  }

  /** When a prepared generation may be activated without force: every fetcher has seen it. */
  public Instant activatableAt(KeySet.Generation prepared) {
    return prepared.changedAt().plus(settings.refreshHint().multipliedBy(2));
  }

  /** Takes one rotation step; returns the keys after it. */
  public KeySet rotate(Caller caller, Phase phase, boolean force) throws IssuanceException {
    try {
      List<Generation> stored = recorded.all();
      List<Generation> generations = stored.isEmpty() ? implicitFirst() : stored;
      Instant now = clock.instant();
      List<Generation> next =
          switch (phase) {
            case PREPARE -> prepare(generations, now);
            case ACTIVATE -> activate(generations, force, now);
            case RETIRE -> retire(generations, force, now);
            case ROLLBACK -> rollback(generations, now);
          };
      AuditEvent event =
          new AuditEvent(
              now,
              caller.name(),
              caller.role().map(Role::id).orElse(""),
              "sa-key-rotate",
              "",
              "",
              AuditEvent.Decision.APPROVED,
              "SA_KEY_" + phase.name(),
              describe(next) + (force ? " (forced)" : ""),
              "",
              "",
              "");
      if (!recorded.replace(stored, next, event)) {
        throw new IssuanceException.Conflict(
            "CONCURRENT_ROTATION",
            "another service-account key rotation step happened meanwhile; check the status and"
                + " try again");
      }
      adopt(recorded.all());
      LOG.info(
          () ->
              "service-account key rotation: "
                  + phase
                  + " by "
                  + caller.name()
                  + " -> "
                  + describe(next));
      return current;
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; nothing changed", e);
    } catch (TokenException e) {
      throw new IssuanceException.Unavailable(
          "TOKEN_UNAVAILABLE", "the token could not make the new key: " + e.getMessage(), e);
    }
  }

  /** Before the first rotation the configured key is generation 1, active. */
  private List<Generation> implicitFirst() {
    KeySet.Generation first = current.generations().get(0);
    return List.of(new Generation(1, first.keyLabel(), State.ACTIVE, first.changedAt()));
  }

  private List<Generation> prepare(List<Generation> generations, Instant now)
      throws IssuanceException, TokenException {
    if (generations.stream().anyMatch(g -> g.state() == State.PREPARED)) {
      throw precondition("a new service-account key is already prepared; activate it or roll back");
    }
    if (generations.stream().anyMatch(g -> g.state() == State.PREVIOUS)) {
      throw precondition("retire the previous service-account key before preparing another");
    }
    int number = generations.stream().mapToInt(Generation::number).max().orElse(1) + 1;
    String label = settings.baseLabel() + ".g" + number;
    new CaSetup(store, clock, random)
        .ensure(
            Map.of(label, new CaSetup.KeySpec(KEY_COMMON_NAME, false)),
            settings.algorithm(),
            settings.keyValidity(),
            settings.backdate());
    List<Generation> next = new ArrayList<>(generations);
    next.add(new Generation(number, label, State.PREPARED, now));
    return next;
  }

  private List<Generation> activate(List<Generation> generations, boolean force, Instant now)
      throws IssuanceException {
    Generation prepared =
        generations.stream()
            .filter(g -> g.state() == State.PREPARED)
            .findFirst()
            .orElseThrow(() -> precondition("no prepared key to activate; run prepare first"));
    Instant ready = prepared.changedAt().plus(settings.refreshHint().multipliedBy(2));
    if (now.isBefore(ready) && !force) {
      throw precondition(
          "the prepared key was published at "
              + prepared.changedAt()
              + "; kube-apiserver fetches keys every "
              + settings.refreshHint().toSeconds()
              + " s, so activate from "
              + ready
              + " on (or with force)");
    }
    return generations.stream()
        .map(
            g ->
                switch (g.state()) {
                  case PREPARED -> with(g, State.ACTIVE, now);
                  case ACTIVE -> with(g, State.PREVIOUS, now);
                  default -> g;
                })
        .toList();
  }

  private List<Generation> retire(List<Generation> generations, boolean force, Instant now)
      throws IssuanceException {
    Generation previous =
        generations.stream()
            .filter(g -> g.state() == State.PREVIOUS)
            .findFirst()
            .orElseThrow(() -> precondition("no previous key to retire; activate a new one first"));
    Instant expired =
        previous.changedAt().plus(settings.maxTokenExpiration()).plus(ADOPTION_MARGIN);
    if (now.isBefore(expired) && !force) {
      throw precondition(
          "tokens signed by the previous key may live until "
              + expired
              + " (it stopped signing at "
              + previous.changedAt()
              + ", tokens live at most "
              + settings.maxTokenExpiration().toSeconds()
              + " s); retire then, or with force");
    }
    return generations.stream()
        .map(g -> g.number() == previous.number() ? with(g, State.RETIRED, now) : g)
        .toList();
  }

  private static List<Generation> rollback(List<Generation> generations, Instant now)
      throws IssuanceException {
    Optional<Generation> previous =
        generations.stream().filter(g -> g.state() == State.PREVIOUS).findFirst();
    Optional<Generation> active =
        generations.stream().filter(g -> g.state() == State.ACTIVE).findFirst();
    if (previous.isPresent() && active.isPresent()) {
      // undo activate: the old key signs again, the new one is only published
      return generations.stream()
          .map(
              g ->
                  g.number() == active.get().number()
                      ? with(g, State.PREPARED, now)
                      : g.number() == previous.get().number() ? with(g, State.ACTIVE, now) : g)
          .toList();
    }
    Optional<Generation> prepared =
        generations.stream().filter(g -> g.state() == State.PREPARED).findFirst();
    if (prepared.isPresent()) {
      // undo prepare: the new key is no longer published; it stays in the token under its label
      return generations.stream()
          .map(g -> g.number() == prepared.get().number() ? with(g, State.RETIRED, now) : g)
          .toList();
    }
    throw precondition("nothing to roll back: a retire is final");
  }

  private void adopt(List<Generation> generations) throws TokenException {
    current = KeySet.load(store, settings.baseLabel(), generations, settings.legacy());
    adopted = generations;
  }

  private static Generation with(Generation g, State state, Instant now) {
    return new Generation(g.number(), g.keyLabel(), state, now);
  }

  private static String describe(List<Generation> generations) {
    return generations.stream().map(g -> g.keyLabel() + "=" + g.state()).toList().toString();
  }

  private static IssuanceException precondition(String message) {
    return new IssuanceException.CaNotValid("ROTATION_PRECONDITION", message);
  }

  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
  }
}
