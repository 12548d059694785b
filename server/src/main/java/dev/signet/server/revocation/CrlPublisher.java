package dev.signet.server.revocation;

import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.Crls;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERGeneralizedTime;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.CertificateList;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.TBSCertList;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V2TBSCertListGenerator;

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
    // Built from BouncyCastle's ASN.1 types rather than X509v2CRLBuilder, whose per-entry path
    // formats and parses each date with new SimpleDateFormats and encodes a reason extension per
    // entry: that was most of the time and garbage of a CRL with 100,000 entries.
    V2TBSCertListGenerator generator = new V2TBSCertListGenerator();
    generator.setSignature(ca.signatureAlgorithm());
    generator.setIssuer(ca.subject());
    generator.setThisUpdate(time(thisUpdate));
    generator.setNextUpdate(time(nextUpdate));
    for (CertificateStore.RevokedEntry entry : entries) {
      ASN1Integer serial = new ASN1Integer(serial(entry.serial()));
      Time revoked = time(entry.revokedAt());
      // RFC 5280 §5.3.1: the reason code "unspecified" SHOULD be absent.
      generator.addCRLEntry(
          entry.reasonCode() == 0
              ? new DERSequence(new ASN1Encodable[] {serial, revoked})
              : new DERSequence(
                  new ASN1Encodable[] {serial, revoked, reasonExtensions(entry.reasonCode())}));
    }
    try {
      generator.setExtensions(
          new Extensions(
              new Extension[] {
                Extension.create(
                    Extension.authorityKeyIdentifier,
                    false,
                    new AuthorityKeyIdentifier(ca.subjectKeyId())),
                Extension.create(
                    Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)))
              }));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a CRL extension", e);
    }
    TBSCertList tbsCertList = generator.generateTBSCertList();
    byte[] tbs = X509.der(tbsCertList);
    byte[] signature = ca.key().sign(tbs);
    if (!ca.verifies(tbs, signature)) {
      throw SigningException.tokenFailure(
          "the token returned a CRL signature that does not verify", null);
    }
    return X509.der(
        CertificateList.getInstance(
            new DERSequence(
                new ASN1Encodable[] {
                  tbsCertList, ca.signatureAlgorithm(), new DERBitString(signature)
                })));
  }

  private static final HexFormat HEX = HexFormat.of();

  private static BigInteger serial(String hex) {
    return hex.length() % 2 == 0 ? new BigInteger(1, HEX.parseHex(hex)) : new BigInteger(hex, 16);
  }

  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter GENERALIZED_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050; whole seconds. */
  static Time time(Instant instant) {
    int year = instant.atOffset(ZoneOffset.UTC).getYear();
    if (year < 1950 || year > 2049) {
      return new Time(new DERGeneralizedTime(GENERALIZED_TIME.format(instant)));
    }
    // new DERUTCTime(String) parses its text back with a new SimpleDateFormat to check it (most
    // of a large CRL's cost); read from its DER encoding (tag, length, the characters) it is not.
    byte[] text = UTC_TIME.format(instant).getBytes(StandardCharsets.US_ASCII);
    byte[] der = new byte[text.length + 2];
    der[0] = BERTags.UTC_TIME;
    der[1] = (byte) text.length;
    System.arraycopy(text, 0, der, 2, text.length);
    return new Time(ASN1UTCTime.getInstance(der));
  }

  /** The entry extension of each reason code (1 to 10), made once: CRLs share them. */
  private static final Extensions[] REASONS = new Extensions[11];

  static {
    for (int code = 1; code < REASONS.length; code++) {
      try {
        REASONS[code] =
            new Extensions(Extension.create(Extension.reasonCode, false, CRLReason.lookup(code)));
      } catch (IOException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  private static Extensions reasonExtensions(int code) {
    if (code < 1 || code >= REASONS.length) {
      throw new IllegalArgumentException("not a CRL reason code: " + code);
    }
    return REASONS[code];
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
}
