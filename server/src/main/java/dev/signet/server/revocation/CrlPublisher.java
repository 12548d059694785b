package dev.signet.server.revocation;

import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.Crls;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.x509.X509;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.ContentSigner;

/**
 * Publishes each CA's CRL, signed in the token: numbered, with thisUpdate and nextUpdate, one entry
 * per revoked certificate that has not expired (expired ones leave the list, which keeps it small),
 * each with its RFC 5280 reason code. A CRL is made again shortly after a revocation (revocations
 * close together share one) and whenever the newest is older than the refresh interval, so that
 * nextUpdate never passes.
 */
public final class CrlPublisher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CrlPublisher.class.getName());

  /** Revocations within this window share one new CRL. */
  private static final Duration COALESCE = Duration.ofMillis(200);

  /** How often CRLs are renewed and how long each is valid. */
  public record Settings(Duration refreshInterval, Duration validity, Duration backdate) {}

  private final CaRegistry cas;
  private final CertificateStore certificates;
  private final Crls crls;
  private final Settings settings;
  private final Clock clock;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-crl");
            thread.setDaemon(true);
            return thread;
          });
  private final Set<String> pending = ConcurrentHashMap.newKeySet();

  /** The periodic refresh; null until {@link #start}. */
  private ScheduledFuture<?> periodic;

  public CrlPublisher(
      CaRegistry cas, CertificateStore certificates, Crls crls, Settings settings, Clock clock) {
    this.cas = cas;
    this.certificates = certificates;
    this.crls = crls;
    this.settings = settings;
    this.clock = clock;
  }

  /** Starts the periodic refresh; publishes at once for every CA without a fresh CRL. */
  public void start() {
    long period = Math.max(1_000, settings.refreshInterval().toMillis() / 4);
    periodic =
        scheduler.scheduleWithFixedDelay(this::refreshStale, 0, period, TimeUnit.MILLISECONDS);
  }

  /** A CRL as served: which generation of its domain's CA signed it. */
  public record Served(int generation, Crls.Crl crl) {}

  /**
   * The newest CRL of a generation of a domain's CA (0: the one that signs now), made now if there
   * is none yet; empty when that generation is retired or unknown.
   */
  public Optional<Served> current(TrustDomain domain, int generation)
      throws LedgerException, SigningException {
    Optional<CaRegistry.Generation> found = cas.inUse(domain, generation);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    CertificateAuthority ca = found.get().ca();
    var latest = crls.latest(ca.keyId());
    return Optional.of(
        new Served(found.get().number(), latest.isPresent() ? latest.get() : publish(ca)));
  }

  /** Publishes a new CRL of {@code ca} soon; calls close together are served by one CRL. */
  public void publishSoon(CertificateAuthority ca) {
    if (pending.add(ca.keyId())) {
      // Fire and forget: publishLogged logs its own failures (the periodic refresh retries), and
      // close() drops what is still pending.
      var unused =
          scheduler.schedule(
              () -> {
                pending.remove(ca.keyId());
                publishLogged(ca);
              },
              COALESCE.toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  /** Builds, signs, checks and stores a new CRL of {@code ca}; returns it. */
  public Crls.Crl publish(CertificateAuthority ca) throws LedgerException, SigningException {
    while (true) {
      long number = crls.latest(ca.keyId()).map(Crls.Crl::number).orElse(0L) + 1;
      Instant now = clock.instant();
      Instant thisUpdate = now.minus(settings.backdate()).truncatedTo(ChronoUnit.SECONDS);
      Instant nextUpdate = thisUpdate.plus(settings.validity());
      byte[] der =
          sign(ca, number, thisUpdate, nextUpdate, certificates.revokedEntries(ca.keyId(), now));
      Crls.Crl crl = new Crls.Crl(ca.keyId(), number, thisUpdate, nextUpdate, der);
      if (crls.store(crl)) {
        LOG.info(
            () -> "published CRL " + number + " of " + ca.certificate().getSubjectX500Principal());
        return crl;
      }
      // another replica published this number first; number the next one after it
    }
  }

  private byte[] sign(
      CertificateAuthority ca,
      long number,
      Instant thisUpdate,
      Instant nextUpdate,
      List<CertificateStore.RevokedEntry> entries)
      throws SigningException {
    X509v2CRLBuilder builder = new X509v2CRLBuilder(ca.subject(), Date.from(thisUpdate));
    builder.setNextUpdate(Date.from(nextUpdate));
    for (CertificateStore.RevokedEntry entry : entries) {
      // RFC 5280 §5.3.1: the reason code "unspecified" SHOULD be absent.
      if (entry.reasonCode() == 0) {
        builder.addCRLEntry(new BigInteger(entry.serial(), 16), Date.from(entry.revokedAt()), null);
      } else {
        builder.addCRLEntry(
            new BigInteger(entry.serial(), 16), Date.from(entry.revokedAt()), entry.reasonCode());
      }
    }
    try {
      builder.addExtension(
          Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(ca.subjectKeyId()));
      builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a CRL extension", e);
    }
    TokenSigner signer = new TokenSigner(ca);
    X509CRLHolder crl;
    try {
      crl = builder.build(signer);
    } catch (TokenSigner.Failure failure) {
      throw failure.signingFailure;
    }
    byte[] tbs = X509.der(crl.toASN1Structure().getTBSCertList());
    if (!ca.verifies(tbs, crl.toASN1Structure().getSignature().getOctets())) {
      throw SigningException.tokenFailure(
          "the token returned a CRL signature that does not verify", null);
    }
    return X509.der(crl.toASN1Structure());
  }

  private void refreshStale() {
    Instant staleBefore = clock.instant().minus(settings.refreshInterval());
    for (CertificateAuthority ca : cas.all()) {
      try {
        var latest = crls.latest(ca.keyId());
        if (latest.isEmpty() || latest.get().thisUpdate().isBefore(staleBefore)) {
          publish(ca);
        }
      } catch (LedgerException | SigningException | RuntimeException e) {
        LOG.log(Level.WARNING, "cannot refresh the CRL of " + ca.label() + ": " + e.getMessage());
      }
    }
  }

  private void publishLogged(CertificateAuthority ca) {
    try {
      publish(ca);
    } catch (LedgerException | SigningException | RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "cannot publish the CRL of "
              + ca.label()
              + "; the periodic refresh will retry: "
              + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
  }

  /** A BouncyCastle ContentSigner that signs with the CA key in the token. */
  private static final class TokenSigner implements ContentSigner {
    /** Carries the checked signing failure out of BouncyCastle's unchecked signer interface. */
    static final class Failure extends RuntimeException {
      final SigningException signingFailure;

      Failure(SigningException cause) {
        super(cause.getMessage(), cause);
        this.signingFailure = cause;
      }
    }

    private final CertificateAuthority ca;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    TokenSigner(CertificateAuthority ca) {
      this.ca = ca;
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
      return ca.signatureAlgorithm();
    }

    @Override
    public OutputStream getOutputStream() {
      return buffer;
    }

    @Override
    public byte[] getSignature() {
      try {
        return ca.key().sign(buffer.toByteArray());
      } catch (SigningException e) {
        throw new Failure(e);
      }
    }
  }
}
