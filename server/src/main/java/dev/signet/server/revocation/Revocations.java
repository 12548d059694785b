package dev.signet.server.revocation;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditEvent.Decision;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.Role;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.database.LedgerException;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.ledger.CertificateRecord;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.x509.X509;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.TBSCertificate;

/**
 * Revocation and the ledger's read side. A ca-admin may revoke anything; a node may revoke its own
 * certificates (its kubelet client and serving certificates and its Signet credential), as a
 * kubelet does after a key compromise. Every revocation is audited and reaches the CA's CRL.
 */
public final class Revocations {
  private static final Logger LOG = Logger.getLogger(Revocations.class.getName());
  private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{1,40}");
  private static final Pattern IDENTITY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}");

  /** What a node may revoke of its own. */
  private static final Set<Profile> NODE_PROFILES =
      Set.of(Profile.KUBELET_CLIENT, Profile.KUBELET_SERVING, Profile.SIGNET_API_CLIENT);

  /** RFC 5280 reason codes Signet accepts. */
  private static final Set<Integer> REASONS = Set.of(0, 1, 2, 3, 4, 5, 9);

  /** A revocation's outcome; {@code crlNumber} is 0 unless the caller waited for the CRL. */
  public record Revoked(CertificateRecord record, long crlNumber) {}

  private final CertificateStore certificates;
  private final AuditLog audit;
  private final CaRegistry cas;
  private final CrlPublisher crls;
  private final RevokedCredentials revokedCredentials;
  private final Clock clock;

  public Revocations(
      CertificateStore certificates,
      AuditLog audit,
      CaRegistry cas,
      CrlPublisher crls,
      RevokedCredentials revokedCredentials,
      Clock clock) {
    this.certificates = certificates;
    this.audit = audit;
    this.cas = cas;
    this.crls = crls;
    this.revokedCredentials = revokedCredentials;
    this.clock = clock;
  }

  public Revoked revoke(Caller caller, String serial, int reasonCode, boolean waitForCrl)
      throws IssuanceException {
    if (!REASONS.contains(reasonCode)) {
      throw refused(
          caller,
          serial,
          "",
          new IssuanceException.InvalidRequest(
              "INVALID_REASON", "reason " + reasonCode + " is not one Signet revokes for"));
    }
    CertificateRecord record = find(caller, serial);
    if (!caller.has(Role.CA_ADMIN)) {
      Optional<String> node = caller.nodeName();
      if (node.isEmpty()
          || !node.get().equals(record.nodeName())
          || !NODE_PROFILES.contains(record.profile())) {
        throw refused(
            caller,
            serial,
            record.nodeName(),
            new IssuanceException.PermissionDenied(
                "NOT_OWN_CERTIFICATE",
                caller.name()
                    + " may revoke only its own kubelet certificates and credential, not serial "
                    + serial));
      }
    }
    if (record.state() != CertificateRecord.State.ISSUED
        && record.state() != CertificateRecord.State.POSSIBLY_ISSUED) {
      throw refused(
          caller,
          serial,
          record.nodeName(),
          new IssuanceException.InvalidRequest(
              "NOT_ISSUED", "serial " + serial + " was never issued (" + record.state() + ")"));
    }
    // a credential goes with its whole renewal line: a stolen key that renewed first keeps nothing
    List<CertificateRecord> targets;
    try {
      targets =
          record.profile() == Profile.SIGNET_API_CLIENT
              ? certificates.line(serial)
              : List.of(record);
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; nothing was revoked", e);
    }
    List<CertificateRecord> revoked =
        revokeAll(
            caller,
            targets,
            reasonCode,
            target ->
                target.equals(serial)
                    ? "revoked with reason " + reasonCode
                    : "revoked with reason "
                        + reasonCode
                        + " with credential "
                        + serial
                        + ", of whose renewal line it is");
    CertificateRecord result =
        revoked.stream()
            .filter(r -> r.serial().equals(serial))
            .findFirst()
            .orElseThrow(
                () ->
                    new IssuanceException.Unavailable(
                        "LEDGER_UNAVAILABLE",
                        "serial " + serial + " vanished while revoked",
                        null));
    LOG.info(
        () ->
            "revoked serial "
                + serial
                + " ("
                + result.profile().id()
                + (revoked.size() > 1 ? ", with " + (revoked.size() - 1) + " of its line" : "")
                + ") by "
                + caller.name());
    return new Revoked(result, publish(revoked, waitForCrl));
  }

  /**
   * Revokes, or with {@code dryRun} only lists, everything {@code identity} holds: each of its live
   * Signet API credentials with their renewal lines and, for a node ({@code system:node:NAME}), its
   * live kubelet client and serving certificates. For a ca-admin: a node that is gone, or a
   * provisioner whose key leaked.
   */
  public List<CertificateRecord> revokeIdentity(
      Caller caller, String identity, int reasonCode, boolean dryRun, boolean waitForCrl)
      throws IssuanceException {
    if (!REASONS.contains(reasonCode)) {
      throw refused(
          caller,
          identity,
          "",
          new IssuanceException.InvalidRequest(
              "INVALID_REASON", "reason " + reasonCode + " is not one Signet revokes for"));
    }
    if (!IDENTITY.matcher(identity).matches()) {
      throw refused(
          caller,
          "",
          "",
          new IssuanceException.InvalidRequest(
              "INVALID_PARAMETERS",
              "identity must be a credential name (1 to 64 characters from A-Z a-z 0-9 . _ : @ -)"
                  + " or system:node:NAME"));
    }
    String node =
        identity.startsWith(Caller.NODE_PREFIX)
            ? identity.substring(Caller.NODE_PREFIX.length())
            : "";
    Map<String, CertificateRecord> targets = new LinkedHashMap<>();
    try {
      for (CertificateRecord credential :
          certificates.live(Profile.SIGNET_API_CLIENT, Optional.empty(), clock.instant())) {
        if (identity.equals(commonName(credential))) {
          for (CertificateRecord member : certificates.line(credential.serial())) {
            targets.putIfAbsent(member.issuerKeyId() + "/" + member.serial(), member);
          }
        }
      }
      if (!node.isEmpty()) {
        for (Profile kubelet : List.of(Profile.KUBELET_CLIENT, Profile.KUBELET_SERVING)) {
          for (CertificateRecord certificate :
              certificates.live(kubelet, Optional.of(node), clock.instant())) {
            targets.putIfAbsent(
                certificate.issuerKeyId() + "/" + certificate.serial(), certificate);
          }
        }
      }
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; nothing was revoked", e);
    }
    List<CertificateRecord> found = List.copyOf(targets.values());
    if (dryRun) {
      write(
          new AuditEvent(
              clock.instant(),
              caller.name(),
              caller.role().map(Role::id).orElse(""),
              "revoke-identity",
              "",
              node,
              Decision.APPROVED,
              "LISTED",
              found.size() + " live certificates of " + identity + " listed, none revoked",
              "",
              "",
              ""));
      return found;
    }
    List<CertificateRecord> revoked =
        revokeAll(
            caller,
            found,
            reasonCode,
            target ->
                "revoked with reason " + reasonCode + " with everything " + identity + " held");
    LOG.info(() -> "revoked " + revoked.size() + " certificates of " + identity);
    publish(revoked, waitForCrl);
    return revoked;
  }

  /** The CN of a record's certificate, from its to-be-signed bytes (always recorded). */
  private static String commonName(CertificateRecord record) {
    List<String> names =
        X509.attributeValues(TBSCertificate.getInstance(record.tbsDer()).getSubject(), BCStyle.CN);
    return names.size() == 1 ? names.get(0) : "";
  }

  private List<CertificateRecord> revokeAll(
      Caller caller,
      List<CertificateRecord> targets,
      int reasonCode,
      java.util.function.Function<String, String> detail)
      throws IssuanceException {
    Map<String, CertificateRecord> bySerial = new LinkedHashMap<>();
    targets.forEach(t -> bySerial.put(t.serial(), t));
    List<CertificateRecord> revoked;
    try {
      revoked =
          certificates.revokeAll(
              targets.stream()
                  .map(t -> new CertificateStore.Target(t.issuerKeyId(), t.serial()))
                  .toList(),
              reasonCode,
              clock.instant(),
              target -> {
                CertificateRecord record = bySerial.get(target.serial());
                return event(
                    caller,
                    target.serial(),
                    record.nodeName(),
                    record.profile().id(),
                    Decision.APPROVED,
                    "REVOKED",
                    detail.apply(target.serial()));
              });
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; nothing was revoked", e);
    }
    for (CertificateRecord record : revoked) {
      if (record.profile().trustDomain() == TrustDomain.SIGNET_API) {
        revokedCredentials.add(record.serial());
      }
    }
    return revoked;
  }

  /**
   * Has the CAs of {@code revoked} publish new CRLs: soon, or now when the caller waits; returns
   * the number of the (last) CRL published now, 0 when not waiting.
   */
  private long publish(List<CertificateRecord> revoked, boolean waitForCrl)
      throws IssuanceException {
    Set<CertificateAuthority> issuers = new LinkedHashSet<>();
    for (CertificateRecord record : revoked) {
      issuers.add(cas.byKeyId(record.issuerKeyId()).orElse(cas.signingCa(record.trustDomain())));
    }
    long number = 0;
    for (CertificateAuthority ca : issuers) {
      if (!waitForCrl) {
        crls.publishSoon(ca);
        continue;
      }
      try {
        number = crls.publish(ca).number();
      } catch (LedgerException | SigningException e) {
        throw new IssuanceException.Unavailable(
            "CRL_UNAVAILABLE",
            "the certificate is revoked, but its CRL could not be published yet; it will be",
            e);
      }
    }
    return number;
  }

  private void write(AuditEvent event) {
    try {
      audit.record(event);
    } catch (LedgerException e) {
      LOG.warning("could not audit " + event.action() + ": " + e.getMessage());
    }
  }

  /** One record by serial, for auditors and ca-admins. */
  public CertificateRecord get(Caller caller, String serial) throws IssuanceException {
    return find(caller, serial);
  }

  /** A page of records, for auditors and ca-admins. */
  public List<CertificateRecord> list(CertificateStore.Filter filter, int limit)
      throws IssuanceException {
    try {
      return certificates.list(filter, limit);
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable("LEDGER_UNAVAILABLE", "the ledger is unavailable", e);
    }
  }

  private CertificateRecord find(Caller caller, String serial) throws IssuanceException {
    if (!SERIAL.matcher(serial).matches()) {
      throw refused(
          caller,
          serial,
          "",
          new IssuanceException.InvalidRequest(
              "INVALID_SERIAL", "serial must be lowercase hexadecimal without separators"));
    }
    List<CertificateRecord> records;
    try {
      records = certificates.findBySerial(serial);
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable("LEDGER_UNAVAILABLE", "the ledger is unavailable", e);
    }
    if (records.isEmpty()) {
      throw new IssuanceException.NotFound(
          "UNKNOWN_SERIAL", "no certificate with serial " + serial);
    }
    // Random 126-bit serials do not collide in practice; if they did, the newest CA's counts.
    return records.get(records.size() - 1);
  }

  private IssuanceException refused(
      Caller caller, String serial, String node, IssuanceException e) {
    Decision decision =
        e instanceof IssuanceException.PermissionDenied ? Decision.DENIED : Decision.REJECTED;
    try {
      audit.record(event(caller, serial, node, "", decision, e.reason(), e.getMessage()));
    } catch (LedgerException failure) {
      LOG.warning("could not audit a refused revocation: " + failure.getMessage());
    }
    return e;
  }

  private AuditEvent event(
      Caller caller,
      String serial,
      String node,
      String profile,
      Decision decision,
      String reason,
      String detail) {
    return new AuditEvent(
        clock.instant(),
        caller.name(),
        caller.role().map(Role::id).orElse(""),
        "revoke",
        profile,
        node,
        decision,
        reason,
        detail,
        serial,
        "",
        "");
  }
}
