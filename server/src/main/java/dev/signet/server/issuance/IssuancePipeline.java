package dev.signet.server.issuance;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditEvent.Decision;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.IssuancePolicy;
import dev.signet.server.auth.Role;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.profile.CertificateContent;
import dev.signet.server.profile.ClusterDefaults;
import dev.signet.server.profile.InvalidParametersException;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import dev.signet.server.profile.Profiles;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.support.Faults;
import dev.signet.server.support.PerThreadRandom;
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.X509;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x509.TBSCertificate;

/**
 * The issuance pipeline, free of any transport. In order: validate the typed inputs into the
 * profile's content; validate the CSR (proof of possession, key policy); build the to-be-signed
 * certificate; lint it; record the intent durably (where a retried request id meets its earlier
 * row, and is answered from it); sign in the token; verify the signature with the CA's public key;
 * record the certificate durably; only then return it. A failure at any step returns nothing.
 */
public final class IssuancePipeline {
  private static final Logger LOG = Logger.getLogger(IssuancePipeline.class.getName());
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final int SERIAL_ATTEMPTS = 3;

  /**
   * What a caller asks for. {@code requestId} may be empty: the pipeline then picks one. {@code
   * renewedFrom} names the Signet API credential a renewal replaces (empty otherwise). {@code
   * maxLifetime}, when positive, shortens the certificate's lifetime below the configured one.
   */
  public record Request(
      Profile profile,
      ProfileParameters parameters,
      byte[] csrDer,
      String requestId,
      String renewedFrom,
      Duration maxLifetime) {
    /** A request that renews nothing, for the configured lifetime. */
    public Request(Profile profile, ProfileParameters parameters, byte[] csrDer, String requestId) {
      this(profile, parameters, csrDer, requestId, "", Duration.ZERO);
    }
  }

  /**
   * An issued certificate with what the caller needs to use it. It holds the certificate's DER and
   * the fields an answer reports, not a parsed {@link X509Certificate}: the JDK's parse of every
   * new certificate was a twelfth of an issuance's Java time, and the answer sends the DER anyway.
   */
  public static final class Issued {
    private final byte[] certificateDer;
    private final BigInteger serial;
    private final Instant notBefore;
    private final Instant notAfter;
    private final List<X509Certificate> chain;
    private final List<X509Certificate> caBundle;
    private final Profile profile;
    private final TrustDomain trustDomain;
    private final String requestId;
    private final boolean replayed;

    /** Takes {@code certificateDer} as it is: the pipeline hands over an array it keeps no more. */
    Issued(
        byte[] certificateDer,
        BigInteger serial,
        Instant notBefore,
        Instant notAfter,
        List<X509Certificate> chain,
        List<X509Certificate> caBundle,
        Profile profile,
        TrustDomain trustDomain,
        String requestId,
        boolean replayed) {
      this.certificateDer = certificateDer;
      this.serial = serial;
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      this.chain = List.copyOf(chain);
      this.caBundle = List.copyOf(caBundle);
      this.profile = profile;
      this.trustDomain = trustDomain;
      this.requestId = requestId;
      this.replayed = replayed;
    }

    public byte[] certificateDer() {
      return certificateDer.clone();
    }

    /** The certificate, parsed; for callers that read more than the answer's fields. */
    public X509Certificate certificate() {
      return X509.parse(certificateDer);
    }

    public BigInteger serial() {
      return serial;
    }

    public Instant notBefore() {
      return notBefore;
    }

    public Instant notAfter() {
      return notAfter;
    }

    public List<X509Certificate> chain() {
      return chain;
    }

    public List<X509Certificate> caBundle() {
      return caBundle;
    }

    public Profile profile() {
      return profile;
    }

    public TrustDomain trustDomain() {
      return trustDomain;
    }

    public String requestId() {
      return requestId;
    }

    /** True when this is the answer to an earlier request under the same id. */
    public boolean replayed() {
      return replayed;
    }
  }

  /** Lifetimes and the cluster model the profiles need. */
  public record Settings(
      ClusterDefaults cluster,
      Duration validity,
      Duration apiCredentialValidity,
      Duration backdate) {}

  private final CaRegistry cas;
  private final CertificateStore certificates;
  private final AuditLog audit;
  private final IssuancePolicy policy;
  private final Settings settings;
  private final Clock clock;
  private final SerialNumbers serials;
  private final CsrParser csrParser = new CsrParser();

  public IssuancePipeline(
      CaRegistry cas,
      CertificateStore certificates,
      AuditLog audit,
      IssuancePolicy policy,
      Settings settings,
      Clock clock,
      SerialNumbers serials) {
    this.cas = cas;
    this.certificates = certificates;
    this.audit = audit;
    this.policy = policy;
    this.settings = settings;
    this.clock = clock;
    this.serials = serials;
  }

  /**
   * Issues a certificate to {@code caller}, whose role already allows the RPC; here the request
   * itself is checked against the caller's constraints. Every outcome is audited: an issuance in
   * the same transaction as its ledger record, a refusal on its own.
   */
  public Issued issue(Caller caller, Request request) throws IssuanceException {
    try {
      return issueAudited(caller, request);
    } catch (IssuanceException e) {
      recordRefusal(caller, request, e);
      throw e;
    } catch (RuntimeException e) {
      // a fault of Signet's own: the caller gets an incident id, the trail the refusal
      IssuanceException fault = internal("UNEXPECTED", "issuance failed unexpectedly", e);
      recordRefusal(caller, request, fault);
      throw fault;
    }
  }

  /**
   * Checks a CSR as {@link #issue} would, without issuing anything: for flows that must know a
   * request is well formed before they spend something (a bootstrap token).
   */
  public void checkCsr(byte[] csrDer, Profile profile) throws IssuanceException.InvalidRequest {
    csrParser.parse(csrDer, profile);
  }

  /**
   * The certificate issued earlier to {@code caller} for this exact request (same request id, same
   * content, same CSR), if there is one; never signs.
   */
  public Optional<Issued> replay(Caller caller, Request request) throws IssuanceException {
    CertificateContent content;
    try {
      content = Profiles.content(request.profile(), request.parameters(), settings.cluster());
    } catch (InvalidParametersException e) {
      throw new IssuanceException.InvalidRequest("INVALID_PARAMETERS", e.getMessage());
    }
    CertificateAuthority ca = cas.signingCa(request.profile().trustDomain());
    try {
      return earlierAnswer(
          caller.name(), requestId(request.requestId()), requestHash(content, request), ca);
    } catch (IssuanceException.Conflict differentRequest) {
      return Optional.empty();
    }
  }

  private Issued issueAudited(Caller caller, Request request) throws IssuanceException {
    String requestId = requestId(request.requestId());
    CertificateContent content;
    try {
      content = Profiles.content(request.profile(), request.parameters(), settings.cluster());
    } catch (InvalidParametersException e) {
      throw new IssuanceException.InvalidRequest("INVALID_PARAMETERS", e.getMessage());
    }
    Optional<IssuancePolicy.Denial> denial;
    try {
      denial = policy.check(caller, content);
    } catch (LedgerException e) {
      throw ledgerUnavailable(e);
    }
    if (denial.isPresent()) {
      throw new IssuanceException.PermissionDenied(denial.get().rule(), denial.get().message());
    }
    CsrParser.ValidatedCsr csr = csrParser.parse(request.csrDer(), request.profile());
    CertificateAuthority ca = cas.signingCa(request.profile().trustDomain());
    refuseCaKeys(csr);
    byte[] requestHash = requestHash(content, request);
    // A retry under a live request id is found by the intent's insert (the ledger's unique index
    // on caller and request id) rather than by a read before it: one ledger read fewer for every
    // issuance, and still no second signature, since the insert comes before the token signs.
    Instant now = clock.instant();
    Validity validity = validity(ca, request, now);
    Duration maxValidity = lifetime(request.profile()).plus(settings.backdate());
    for (int attempt = 1; ; attempt++) {
      BigInteger serial = serials.next();
      TBSCertificate tbs =
          CertificateAssembler.toBeSigned(
              content,
              csr.publicKey(),
              csr.keyAlgorithm(),
              ca,
              serial,
              validity.notBefore(),
              validity.notAfter());
      List<String> problems =
          CertificateLinter.lint(tbs, content, csr.keyAlgorithm(), ca, maxValidity);
      if (!problems.isEmpty()) {
        throw internal(
            "LINT_FAILED",
            "certificate for " + content.profile().id() + " failed lint: " + problems,
            null);
      }
      byte[] tbsDer = X509.der(tbs);
      String serialHex = X509.serialHex(serial);
      try {
        certificates.recordIntent(
            new CertificateStore.Intent(
                ca.keyId(),
                serialHex,
                request.profile(),
                request.profile().trustDomain(),
                caller.name(),
                requestId,
                requestHash,
                content.nodeName(),
                CertificateAssembler.subject(content).toString(),
                validity.notBefore(),
                validity.notAfter(),
                tbsDer,
                now,
                request.renewedFrom()),
            event(
                caller,
                request,
                Decision.SIGNING,
                "INTENT",
                "recorded before signing",
                serialHex,
                requestId));
      } catch (LedgerException.DuplicateSerial collision) {
        if (attempt < SERIAL_ATTEMPTS) {
          continue;
        }
        throw internal("SERIAL_COLLISIONS", "serial collided " + attempt + " times", collision);
      } catch (LedgerException.PredecessorRevoked revoked) {
        throw new IssuanceException.Unauthenticated(
            "CREDENTIAL_REVOKED",
            "the credential this call is made with (serial "
                + request.renewedFrom()
                + ") has been revoked; it cannot be renewed");
      } catch (LedgerException.DuplicateRequest retried) {
        // A retry, or the same request id sent twice at once: the live row under it answers
        // (REQUEST_ID_REUSED if it was another request, REQUEST_IN_PROGRESS if not yet signed).
        Issued earlier =
            earlierAnswer(caller.name(), requestId, requestHash, ca)
                .orElseThrow(() -> inProgress(requestId));
        recordReplay(caller, request, earlier);
        return earlier;
      } catch (LedgerException e) {
        throw ledgerUnavailable(e);
      }
      Faults.crashPoint("issue.after-intent");
      byte[] certificate = sign(ca, tbs, tbsDer, serialHex);
      Faults.crashPoint("issue.after-sign");
      try {
        certificates.recordIssued(
            ca.keyId(),
            serialHex,
            certificate,
            clock.instant(),
            event(
                caller,
                request,
                Decision.APPROVED,
                "ISSUED",
                "certificate issued",
                serialHex,
                requestId));
      } catch (LedgerException e) {
        throw ledgerUnavailable(e);
      }
      Faults.crashPoint("issue.after-commit");
      // FINE: the call's one INFO line (grpc.ObservedCalls) names the serial, node and request
      LOG.fine(
          () ->
              "issued "
                  + request.profile().id()
                  + " serial="
                  + serialHex
                  + " caller="
                  + caller.name()
                  + (content.nodeName().isEmpty() ? "" : " node=" + content.nodeName())
                  + " request="
                  + requestId);
      return answer(certificate, serial, validity, ca, request.profile(), requestId, false);
    }
  }

  private AuditEvent event(
      Caller caller,
      Request request,
      Decision decision,
      String reason,
      String detail,
      String serial,
      String requestId) {
    return new AuditEvent(
        clock.instant(),
        caller.name(),
        caller.role().map(Role::id).orElse(""),
        "issue",
        request.profile().id(),
        request.parameters().nodeName(),
        decision,
        reason,
        detail,
        serial,
        requestId,
        "");
  }

  private void recordReplay(Caller caller, Request request, Issued earlier) {
    write(
        event(
            caller,
            request,
            Decision.APPROVED,
            "REPLAYED",
            "answered a retried request id with the certificate issued before",
            X509.serialHex(earlier.serial()),
            earlier.requestId()));
  }

  /** Audits a refusal: DENIED for authorization, REJECTED for bad input, FAILED for faults. */
  private void recordRefusal(Caller caller, Request request, IssuanceException e) {
    Decision decision;
    if (e instanceof IssuanceException.PermissionDenied) {
      decision = Decision.DENIED;
    } else if (e instanceof IssuanceException.InvalidRequest
        || e instanceof IssuanceException.Conflict) {
      decision = Decision.REJECTED;
    } else {
      decision = Decision.FAILED;
    }
    String detail =
        e instanceof IssuanceException.Internal internal
            ? "incident " + internal.incident()
            : e.getMessage();
    write(event(caller, request, decision, e.reason(), detail, "", request.requestId()));
  }

  private void write(AuditEvent event) {
    try {
      audit.record(event);
    } catch (LedgerException e) {
      LOG.warning(
          "could not audit "
              + event.decision()
              + " "
              + event.reason()
              + " for "
              + event.caller()
              + ": "
              + e.getMessage());
    }
  }

  /** The signed certificate's DER. */
  private byte[] sign(CertificateAuthority ca, TBSCertificate tbs, byte[] tbsDer, String serial)
      throws IssuanceException {
    byte[] signature;
    try {
      signature = ca.key().sign(tbsDer);
    } catch (SigningException e) {
      abandon(ca, serial, e.getMessage());
      if (e.busy()) {
        throw new IssuanceException.Busy("SIGNER_BUSY", "the CA is busy; retry in a moment");
      }
      throw new IssuanceException.Unavailable(
          "TOKEN_UNAVAILABLE", "the CA's token is unavailable; nothing was issued", e);
    }
    if (!ca.verifies(tbsDer, signature)) {
      abandon(ca, serial, "the token returned a signature that does not verify");
      throw internal(
          "SIGNATURE_INVALID", "token signature for serial " + serial + " does not verify", null);
    }
    return X509.certificateDer(tbs, tbs.getSignature(), signature);
  }

  private void abandon(CertificateAuthority ca, String serial, String reason) {
    try {
      certificates.recordAbandoned(ca.keyId(), serial, reason);
    } catch (LedgerException e) {
      // The row stays an INTENT, which start-up reconciliation settles; nothing was issued.
      LOG.warning("could not mark serial " + serial + " abandoned: " + e.getMessage());
    }
  }

  private Optional<Issued> earlierAnswer(
      String caller, String requestId, byte[] requestHash, CertificateAuthority ca)
      throws IssuanceException {
    Optional<CertificateRecord> earlier;
    try {
      earlier = certificates.findByRequest(caller, requestId);
    } catch (LedgerException e) {
      throw ledgerUnavailable(e);
    }
    if (earlier.isEmpty()) {
      return Optional.empty();
    }
    CertificateRecord record = earlier.get();
    if (!Arrays.equals(record.requestHash(), requestHash)) {
      throw new IssuanceException.Conflict(
          "REQUEST_ID_REUSED",
          "request_id '"
              + requestId
              + "' was already used for a different request; choose a new one");
    }
    if (record.state() != CertificateRecord.State.ISSUED || record.certificateDer().isEmpty()) {
      throw inProgress(requestId);
    }
    byte[] der = record.certificateDer().get();
    X509Certificate certificate = X509.parse(der);
    CertificateAuthority issuedBy = cas.byKeyId(record.issuerKeyId()).orElse(ca);
    return Optional.of(
        answer(
            der,
            certificate.getSerialNumber(),
            new Validity(
                certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant()),
            issuedBy,
            record.profile(),
            requestId,
            true));
  }

  private Issued answer(
      byte[] certificateDer,
      BigInteger serial,
      Validity validity,
      CertificateAuthority ca,
      Profile profile,
      String requestId,
      boolean replayed) {
    TrustDomain domain = profile.trustDomain();
    List<X509Certificate> chain =
        ca == cas.signingCa(domain) ? cas.chain(domain) : List.of(ca.certificate());
    return new Issued(
        certificateDer,
        serial,
        validity.notBefore(),
        validity.notAfter(),
        chain,
        cas.bundle(domain),
        profile,
        domain,
        requestId,
        replayed);
  }

  private record Validity(Instant notBefore, Instant notAfter) {}

  /**
   * NotBefore backdated (clocks of nodes lag), NotAfter = issuance time + lifetime, so that the
   * backdate never eats into the lifetime; both inside the CA's own validity.
   */
  private Validity validity(CertificateAuthority ca, Request request, Instant now)
      throws IssuanceException {
    Profile profile = request.profile();
    if (now.isBefore(ca.notBefore()) || !now.isBefore(ca.notAfter())) {
      throw new IssuanceException.CaNotValid(
          "CA_NOT_VALID",
          "the "
              + profile.trustDomain().caCommonName()
              + " CA is not valid now (valid "
              + ca.notBefore()
              + " to "
              + ca.notAfter()
              + ")");
    }
    Instant issued = now.truncatedTo(ChronoUnit.SECONDS);
    Instant notBefore = issued.minus(settings.backdate());
    if (notBefore.isBefore(ca.notBefore())) {
      notBefore = ca.notBefore();
    }
    Instant notAfter = issued.plus(lifetime(request));
    if (notAfter.isAfter(ca.notAfter())) {
      notAfter = ca.notAfter();
    }
    return new Validity(notBefore, notAfter);
  }

  /** The profile's configured lifetime, or the request's shorter one. */
  private Duration lifetime(Request request) {
    Duration configured = lifetime(request.profile());
    return positive(request.maxLifetime()) && request.maxLifetime().compareTo(configured) < 0
        ? request.maxLifetime()
        : configured;
  }

  private static boolean positive(Duration duration) {
    return !duration.isZero() && !duration.isNegative();
  }

  private Duration lifetime(Profile profile) {
    return profile.trustDomain() == TrustDomain.SIGNET_API
        ? settings.apiCredentialValidity()
        : settings.validity();
  }

  private void refuseCaKeys(CsrParser.ValidatedCsr csr) throws IssuanceException.InvalidRequest {
    for (CertificateAuthority ca : cas.all()) {
      if (Arrays.equals(ca.certificate().getPublicKey().getEncoded(), X509.der(csr.publicKey()))) {
        throw new IssuanceException.InvalidRequest(
            "KEY_IS_CA_KEY", "the CSR's public key is a CA's key; make a new key pair");
      }
    }
  }

  private String requestId(String given) throws IssuanceException.InvalidRequest {
    if (given.isEmpty()) {
      return randomUuid().toString();
    }
    if (!REQUEST_ID.matcher(given).matches()) {
      throw new IssuanceException.InvalidRequest(
          "INVALID_REQUEST_ID",
          "request_id must be 1 to 128 characters from A-Z a-z 0-9 . _ : - (a UUID works)");
    }
    return given;
  }

  /**
   * A random (version 4) UUID from this thread's generator: {@link UUID#randomUUID} draws from one
   * SecureRandom that every issuing thread would wait for.
   */
  private static UUID randomUuid() {
    byte[] bytes = new byte[16];
    PerThreadRandom.get().nextBytes(bytes);
    bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40);
    bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    return new UUID(buffer.getLong(), buffer.getLong());
  }

  /**
   * Identifies "the same request": the certificate's content (derived from the profile and its
   * typed inputs) and the exact CSR.
   */
  private static byte[] requestHash(CertificateContent content, Request request) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      String canonical =
          String.join(
              "\n",
              content.profile().id(),
              content.commonName(),
              String.join(",", content.organizations()),
              String.join(",", content.dnsNames()),
              content.ipAddresses().stream()
                  .map(InetAddress::getHostAddress)
                  .collect(Collectors.joining(",")));
      // a shortened lifetime is part of the request; the configured one adds nothing, so that
      // request ids recorded before lifetimes could be asked for keep their meaning
      if (positive(request.maxLifetime())) {
        canonical += "\nlifetime=" + request.maxLifetime().toSeconds();
      }
      digest.update(canonical.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(request.csrDer());
      return digest.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static IssuanceException inProgress(String requestId) {
    return new IssuanceException.Unavailable(
        "REQUEST_IN_PROGRESS",
        "request_id '"
            + requestId
            + "' is still being processed or its outcome is not known yet;"
            + " retry shortly with the same id",
        null);
  }

  private static IssuanceException ledgerUnavailable(LedgerException e) {
    return new IssuanceException.Unavailable(
        "LEDGER_UNAVAILABLE", "the issuance ledger is unavailable; nothing was issued", e);
  }

  private static IssuanceException internal(String reason, String detail, Throwable cause) {
    String incident = UUID.randomUUID().toString();
    LOG.log(Level.SEVERE, "incident " + incident + ": " + detail, cause);
    return new IssuanceException.Internal(reason, incident, detail, cause);
  }
}
