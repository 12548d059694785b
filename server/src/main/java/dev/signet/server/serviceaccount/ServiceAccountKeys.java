package dev.signet.server.serviceaccount;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.auth.Caller;
import dev.signet.server.ca.CaSetup;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.ledger.KeyGeneration.State;
import dev.signet.server.ledger.ServiceAccountKeyGenerations;
import dev.signet.server.ledger.ServiceAccountKeyGenerations.Generation;
import dev.signet.server.rotation.KeyRotation;
import dev.signet.server.rotation.ReplicaFollower;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
 * interval. The steps and their refusals are {@link KeyRotation}'s, as for a CA.
 */
public final class ServiceAccountKeys implements AutoCloseable {
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
  private final ReplicaFollower follower;
  private final KeyRotation.Subject<Generation> subject = new SigningKey();
  private volatile KeySet current;
  private volatile List<Generation> adopted;

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
    this.follower =
        new ReplicaFollower(
            "service-account key",
            () -> {
              List<Generation> now = recorded.all();
              if (now.equals(adopted)) {
                return false;
              }
              adopt(now);
              return true;
            });
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
    follower.start(interval);
  }

  /** When a previous generation may be retired without force: its last token has expired. */
  public Instant retirableAt(KeySet.Generation previous) {
    return retirableAt(previous.changedAt());
  }

  /** When a prepared generation may be activated without force: every fetcher has seen it. */
  public Instant activatableAt(KeySet.Generation prepared) {
    return activatableAt(prepared.changedAt());
  }

  private Instant retirableAt(Instant stoppedSigning) {
    return stoppedSigning.plus(settings.maxTokenExpiration()).plus(ADOPTION_MARGIN);
  }

  private Instant activatableAt(Instant published) {
    return published.plus(settings.refreshHint().multipliedBy(2));
  }

  /** Takes one rotation step; returns the keys after it. */
  public KeySet rotate(Caller caller, KeyRotation.Phase phase, boolean force)
      throws IssuanceException {
    KeyRotation.rotate(subject, caller, phase, force, "", clock.instant());
    return current;
  }

  /** The service-account signing key as the rotated key. */
  private final class SigningKey implements KeyRotation.Subject<Generation> {
    @Override
    public String name() {
      return "service-account key";
    }

    @Override
    public String auditAction() {
      return "sa-key-rotate";
    }

    @Override
    public String auditReasonPrefix() {
      return "SA_KEY_";
    }

    @Override
    public List<Generation> recorded() throws LedgerException {
      return recorded.all();
    }

    @Override
    public Generation configured() {
      KeySet.Generation first = current.generations().get(0);
      return new Generation(1, first.keyLabel(), State.ACTIVE, first.changedAt());
    }

    @Override
    public boolean replace(List<Generation> expected, List<Generation> next, AuditEvent event)
        throws LedgerException {
      return recorded.replace(expected, next, event);
    }

    @Override
    public Generation create(int number, Instant now) throws TokenException, SigningException {
      String label = settings.baseLabel() + ".g" + number;
      new CaSetup(store, clock, random)
          .ensure(
              Map.of(label, new CaSetup.KeySpec(KEY_COMMON_NAME, false)),
              settings.algorithm(),
              settings.keyValidity(),
              settings.backdate());
      return new Generation(number, label, State.PREPARED, now);
    }

    /** Not before kube-apiserver has had two refresh hints to fetch the new key. */
    @Override
    public Optional<String> notReadyToActivate(Generation prepared, Instant now) {
      Instant ready = activatableAt(prepared.changedAt());
      if (!now.isBefore(ready)) {
        return Optional.empty();
      }
      return Optional.of(
          "the prepared key was published at "
              + prepared.changedAt()
              + "; kube-apiserver fetches keys every "
              + settings.refreshHint().toSeconds()
              + " s, so activate from "
              + ready
              + " on (or with force)");
    }

    /** Not while a token the previous key signed may be alive. */
    @Override
    public Optional<String> notReadyToRetire(Generation previous, Instant now) {
      Instant expired = retirableAt(previous.changedAt());
      if (!now.isBefore(expired)) {
        return Optional.empty();
      }
      return Optional.of(
          "tokens signed by the previous key may live until "
              + expired
              + " (it stopped signing at "
              + previous.changedAt()
              + ", tokens live at most "
              + settings.maxTokenExpiration().toSeconds()
              + " s); retire then, or with force");
    }

    @Override
    public void adopt() throws LedgerException, TokenException {
      ServiceAccountKeys.this.adopt(recorded.all());
    }
  }

  private void adopt(List<Generation> generations) throws TokenException {
    current = KeySet.load(store, settings.baseLabel(), generations, settings.legacy());
    adopted = generations;
  }

  @Override
  public void close() {
    follower.close();
  }
}
