package dev.signet.server.rotation;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.auth.Caller;
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
import dev.signet.server.ledger.KeyGeneration.State;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.X509;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Rotation of a cluster CA without downtime: prepare (a new key in the token and a new CA
 * certificate, trusted from then on alongside the old), activate (the new CA signs, the old stays
 * trusted), retire (the old CA leaves the bundles once nothing it issued is alive, or when forced).
 * Each step is one audited transaction in the ledger, checked against concurrent steps of other
 * replicas, and every replica adopts it within the refresh interval. Until retire, each step can be
 * undone ({@code rollback}). The steps and their refusals are {@link KeyRotation}'s; here is what
 * is particular to a CA: its key and certificate, the cross certificate, the live certificates that
 * keep it from retiring, and the CRLs published after each step.
 */
public final class CaRotation implements AutoCloseable {
  private final CaKeyStore keys;
  private final CaRegistry registry;
  private final CaGenerations store;
  private final SignetdConfig config;
  private final Clock clock;
  private final SecureRandom random;
  private final Consumer<CertificateAuthority> publishCrl;
  private final ReplicaFollower follower;
  private volatile List<Generation> adopted = List.of();

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
    this.follower =
        new ReplicaFollower(
            "CA",
            () -> {
              List<Generation> recorded = store.all();
              if (CaGenerations.same(recorded, adopted)) {
                return false;
              }
              adopt(recorded);
              return true;
            });
  }

  /**
   * Adopts the recorded generations now, then checks for other replicas' steps every {@code
   * interval}.
   */
  public void start(Duration interval) throws LedgerException, TokenException {
    adopt(store.all());
    follower.start(interval);
  }

  /** Takes one rotation step for {@code domain}; returns the domain's generations after it. */
  public List<CaRegistry.Generation> rotate(
      Caller caller, TrustDomain domain, KeyRotation.Phase phase, boolean crossSign, boolean force)
      throws IssuanceException {
    if (domain == TrustDomain.SIGNET_API) {
      throw new IssuanceException.CaNotValid(
          "ROTATION_PRECONDITION",
          "the signet-api CA authenticates Signet's own callers and is not rotated online");
    }
    String baseLabel = config.cas().key(domain).object().orElseThrow();
    for (TrustDomain other : TrustDomain.values()) {
      if (other != domain && config.cas().key(other).object().orElseThrow().equals(baseLabel)) {
        throw new IssuanceException.CaNotValid(
            "ROTATION_PRECONDITION",
            "the "
                + domain.caCommonName()
                + " CA key is shared with "
                + other.caCommonName()
                + "; a shared CA cannot be rotated one domain at a time");
      }
    }
    KeyRotation.rotate(
        new DomainCa(domain, baseLabel, crossSign),
        caller,
        phase,
        force,
        crossSign ? " (cross-signed)" : "",
        clock.instant());
    registry.generations(domain).stream()
        .filter(g -> g.state() != State.RETIRED)
        .forEach(g -> publishCrl.accept(g.ca()));
    return registry.generations(domain);
  }

  /** One trust domain's CA as the rotated key. */
  private final class DomainCa implements KeyRotation.Subject<Generation> {
    private final TrustDomain domain;
    private final String baseLabel;
    private final boolean crossSign;

    DomainCa(TrustDomain domain, String baseLabel, boolean crossSign) {
      this.domain = domain;
      this.baseLabel = baseLabel;
      this.crossSign = crossSign;
    }

    @Override
    public String name() {
      return domain.caCommonName() + " CA";
    }

    @Override
    public String auditAction() {
      return "ca-rotate";
    }

    @Override
    public String auditReasonPrefix() {
      return "CA_";
    }

    @Override
    public List<Generation> recorded() throws LedgerException {
      return store.all().stream().filter(g -> g.domain() == domain).toList();
    }

    @Override
    public Generation configured() {
      return new Generation(domain, 1, baseLabel, State.ACTIVE, Optional.empty(), Instant.EPOCH);
    }

    @Override
    public boolean replace(List<Generation> expected, List<Generation> next, AuditEvent event)
        throws LedgerException {
      return store.replace(domain, expected, next, event);
    }

    /** A new key and CA certificate in the token, cross-signed by the signing CA if asked. */
    @Override
    public Generation create(int number, Instant now) throws TokenException, SigningException {
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
      return new Generation(domain, number, label, State.PREPARED, cross, now);
    }

    @Override
    public Optional<String> notReadyToActivate(Generation prepared, Instant now) {
      return Optional.empty();
    }

    /** Not while certificates the previous CA issued are alive: their holders would fail. */
    @Override
    public Optional<String> notReadyToRetire(Generation previous, Instant now)
        throws LedgerException {
      CertificateAuthority old = registry.byKeyId(keyIdOf(previous)).orElseThrow();
      long live = store.liveCertificates(old.keyId(), now);
      if (live == 0) {
        return Optional.empty();
      }
      return Optional.of(
          live
              + " unexpired certificates issued by the previous CA remain; wait until agents have"
              + " re-issued them under the new CA, or retire with force");
    }

    @Override
    public void adopt() throws LedgerException, TokenException {
      CaRotation.this.adopt(store.all());
    }
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

  @Override
  public void close() {
    follower.close();
  }
}
