package dev.signet.server.rotation;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.Role;
import dev.signet.server.ca.CaCertificates;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CaSetup;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.ledger.CaGenerations;
import dev.signet.server.ledger.CaGenerations.Generation;
import dev.signet.server.ledger.CaGenerations.State;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.X509;
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
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Rotation of a cluster CA without downtime: prepare (a new key in the token and a new CA
 * certificate, trusted from then on alongside the old), activate (the new CA signs, the old stays
 * trusted), retire (the old CA leaves the bundles once nothing it issued is alive, or when forced).
 * Each step is one audited transaction in the ledger, checked against concurrent steps of other
 * replicas, and every replica adopts it within the refresh interval. Until retire, each step can be
 * undone ({@code rollback}).
 */
public final class CaRotation implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CaRotation.class.getName());

  /** The rotation steps. */
  public enum Phase {
    PREPARE,
    ACTIVATE,
    RETIRE,
    ROLLBACK
  }

  private final CaKeyStore keys;
  private final CaRegistry registry;
  private final CaGenerations store;
  private final SignetdConfig config;
  private final Clock clock;
  private final SecureRandom random;
  private final Consumer<CertificateAuthority> publishCrl;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-ca-rotation");
            thread.setDaemon(true);
            return thread;
          });
  private volatile List<Generation> adopted = List.of();

  /** The periodic refresh; null until {@link #start}. */
  private ScheduledFuture<?> periodic;

  public CaRotation(
      CaKeyStore keys,
      CaRegistry registry,
      CaGenerations store,
      SignetdConfig config,
      Clock clock,
      SecureRandom random,
      Consumer<CertificateAuthority> publishCrl) {
    this.keys = keys;
    this.registry = registry;
    this.store = store;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.publishCrl = publishCrl;
  }

  /**
   * Adopts the recorded generations now, then checks for other replicas' steps every {@code
   * interval}.
   */
  public void start(Duration interval) throws LedgerException, TokenException {
    adopt(store.all());
    periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                List<Generation> recorded = store.all();
                if (!CaGenerations.same(recorded, adopted)) {
                  adopt(recorded);
                  LOG.info("adopted a CA rotation step made by another replica");
                }
              } catch (LedgerException | TokenException | RuntimeException e) {
                LOG.warning("cannot refresh CA generations: " + e.getMessage());
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Takes one rotation step for {@code domain}; returns the domain's generations after it. */
  public List<CaRegistry.Generation> rotate(
      Caller caller, TrustDomain domain, Phase phase, boolean crossSign, boolean force)
      throws IssuanceException {
    if (domain == TrustDomain.SIGNET_API) {
      throw precondition(
          "the signet-api CA authenticates Signet's own callers and is not rotated online");
    }
    String baseLabel = config.cas().key(domain).object().orElseThrow();
    for (TrustDomain other : TrustDomain.values()) {
      if (other != domain && config.cas().key(other).object().orElseThrow().equals(baseLabel)) {
        throw precondition(
            "the "
                + domain.caCommonName()
                + " CA key is shared with "
                + other.caCommonName()
                + "; a shared CA cannot be rotated one domain at a time");
      }
    }
    try {
      List<Generation> current = store.all().stream().filter(g -> g.domain() == domain).toList();
      if (current.isEmpty()) {
        current =
            List.of(
                new Generation(
                    domain, 1, baseLabel, State.ACTIVE, Optional.empty(), Instant.EPOCH));
      }
      Instant now = clock.instant();
      List<Generation> next =
          switch (phase) {
            case PREPARE -> prepare(domain, current, baseLabel, crossSign, now);
            case ACTIVATE -> activate(current, now);
            case RETIRE -> retire(current, force, now);
            case ROLLBACK -> rollback(current, now);
          };
      AuditEvent event =
          new AuditEvent(
              now,
              caller.name(),
              caller.role().map(Role::id).orElse(""),
              "ca-rotate",
              "",
              "",
              AuditEvent.Decision.APPROVED,
              "CA_" + phase.name(),
              domain.caCommonName()
                  + ": "
                  + describe(next)
                  + (force ? " (forced)" : "")
                  + (crossSign ? " (cross-signed)" : ""),
              "",
              "",
              "");
      if (!store.replace(domain, storedForm(store, domain), next, event)) {
        throw new IssuanceException.Conflict(
            "CONCURRENT_ROTATION",
            "another rotation step of "
                + domain.caCommonName()
                + " happened meanwhile; check the status and try again");
      }
      adopt(store.all());
      registry.generations(domain).stream()
          .filter(g -> g.state() != State.RETIRED)
          .forEach(g -> publishCrl.accept(g.ca()));
      LOG.info(
          () ->
              "CA rotation of "
                  + domain.caCommonName()
                  + ": "
                  + phase
                  + " by "
                  + caller.name()
                  + " -> "
                  + describe(next));
      return registry.generations(domain);
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; nothing changed", e);
    } catch (TokenException | SigningException e) {
      throw new IssuanceException.Unavailable(
          "TOKEN_UNAVAILABLE", "the token could not make the new CA: " + e.getMessage(), e);
    }
  }

  /** The domain's generations as stored (empty before its first rotation). */
  private static List<Generation> storedForm(CaGenerations store, TrustDomain domain)
      throws LedgerException {
    return store.all().stream().filter(g -> g.domain() == domain).toList();
  }

  private List<Generation> prepare(
      TrustDomain domain,
      List<Generation> current,
      String baseLabel,
      boolean crossSign,
      Instant now)
      throws IssuanceException, TokenException, SigningException {
    if (current.stream().anyMatch(g -> g.state() == State.PREPARED)) {
      throw precondition(
          "a new " + domain.caCommonName() + " CA is already prepared; activate it or roll back");
    }
    if (current.stream().anyMatch(g -> g.state() == State.PREVIOUS)) {
      throw precondition(
          "retire the previous " + domain.caCommonName() + " CA before preparing another");
    }
    int number = current.stream().mapToInt(Generation::number).max().orElse(1) + 1;
    String label = baseLabel + ".g" + number;
    KeyAlgorithm algorithm = config.cas().algorithm();
    new CaSetup(keys, clock, random)
        .ensure(
            Map.of(label, CaSetup.KeySpec.ca(domain.caCommonName())),
            algorithm,
            config.cas().validity(),
            config.issuance().backdate());
    Optional<byte[]> cross = Optional.empty();
    if (crossSign) {
      CaKeyStore.StoredKey created =
          keys.find(label).orElseThrow(() -> new TokenException("the new CA key vanished", null));
      cross =
          Optional.of(
              X509.encoded(
                  CaCertificates.crossSigned(
                      created.certificate(),
                      registry.signingCa(domain),
                      new SerialNumbers(random).next(),
                      now,
                      config.issuance().backdate())));
    }
    List<Generation> next = new ArrayList<>(current);
    next.add(new Generation(domain, number, label, State.PREPARED, cross, now));
    return next;
  }

  private static List<Generation> activate(List<Generation> current, Instant now)
      throws IssuanceException {
    if (current.stream().noneMatch(g -> g.state() == State.PREPARED)) {
      throw precondition("no prepared CA to activate; run the prepare phase first");
    }
    return current.stream()
        .map(
            g ->
                switch (g.state()) {
                  case PREPARED -> with(g, State.ACTIVE, now);
                  case ACTIVE -> with(g, State.PREVIOUS, now);
                  default -> g;
                })
        .toList();
  }

  private List<Generation> retire(List<Generation> current, boolean force, Instant now)
      throws IssuanceException, LedgerException {
    Generation previous =
        current.stream()
            .filter(g -> g.state() == State.PREVIOUS)
            .findFirst()
            .orElseThrow(() -> precondition("no previous CA to retire; activate a new one first"));
    CertificateAuthority old = registry.byKeyId(keyIdOf(previous)).orElseThrow();
    long live = store.liveCertificates(old.keyId(), now);
    if (live > 0 && !force) {
      throw precondition(
          live
              + " unexpired certificates issued by the previous CA remain; wait until agents have"
              + " re-issued them under the new CA, or retire with force");
    }
    // Within a domain a generation is known by its number (the ledger's key), here and in rollback.
    return current.stream()
        .map(g -> g.number() == previous.number() ? with(g, State.RETIRED, now) : g)
        .toList();
  }

  private static List<Generation> rollback(List<Generation> current, Instant now)
      throws IssuanceException {
    Optional<Generation> previous =
        current.stream().filter(g -> g.state() == State.PREVIOUS).findFirst();
    Optional<Generation> active =
        current.stream().filter(g -> g.state() == State.ACTIVE).findFirst();
    if (previous.isPresent()
        && active.isPresent()
        && active.get().number() > previous.get().number()) {
      // undo activate: the old CA signs again, the new one is only trusted
      return current.stream()
          .map(
              g ->
                  g.number() == active.get().number()
                      ? with(g, State.PREPARED, now)
                      : g.number() == previous.get().number() ? with(g, State.ACTIVE, now) : g)
          .toList();
    }
    Optional<Generation> prepared =
        current.stream().filter(g -> g.state() == State.PREPARED).findFirst();
    if (prepared.isPresent()) {
      // undo prepare: the new CA leaves the bundles; its key stays in the token under its label
      return current.stream()
          .map(g -> g.number() == prepared.get().number() ? with(g, State.RETIRED, now) : g)
          .toList();
    }
    throw precondition("nothing to roll back: a retire is final");
  }

  private String keyIdOf(Generation generation) {
    return registry.generations(generation.domain()).stream()
        .filter(g -> g.number() == generation.number())
        .findFirst()
        .orElseThrow()
        .ca()
        .keyId();
  }

  private void adopt(List<Generation> recorded) throws TokenException {
    registry.reload(recorded);
    adopted = recorded;
  }

  private static Generation with(Generation g, State state, Instant now) {
    return new Generation(g.domain(), g.number(), g.keyLabel(), state, g.crossCertificate(), now);
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
