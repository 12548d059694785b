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
import dev.signet.server.ledger.Crls;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Revocation and the ledger's read side. A ca-admin may revoke anything; a node may revoke its own
 * certificates (its kubelet client and serving certificates and its Signet credential), as a
 * kubelet does after a key compromise. Every revocation is audited and reaches the CA's CRL.
 */
public final class Revocations {
  private static final Logger LOG = Logger.getLogger(Revocations.class.getName());
  private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{1,40}");

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
    CertificateRecord revoked;
    try {
      revoked =
          certificates.revoke(
              record.issuerKeyId(),
              serial,
              reasonCode,
              clock.instant(),
              event(
                  caller,
                  serial,
                  record.nodeName(),
                  record.profile().id(),
                  Decision.APPROVED,
                  "REVOKED",
                  "revoked with reason " + reasonCode));
    } catch (LedgerException e) {
      throw new IssuanceException.Unavailable(
          "LEDGER_UNAVAILABLE", "the ledger is unavailable; nothing was revoked", e);
    }
    if (revoked.profile().trustDomain() == TrustDomain.SIGNET_API) {
      revokedCredentials.add(serial);
    }
    CertificateAuthority ca =
        cas.byKeyId(revoked.issuerKeyId()).orElse(cas.signingCa(revoked.trustDomain()));
    LOG.info(
        () -> "revoked serial " + serial + " (" + revoked.profile().id() + ") by " + caller.name());
    if (!waitForCrl) {
      crls.publishSoon(ca);
      return new Revoked(revoked, 0);
    }
    try {
      Crls.Crl crl = crls.publish(ca);
      return new Revoked(revoked, crl.number());
    } catch (LedgerException | SigningException e) {
      throw new IssuanceException.Unavailable(
          "CRL_UNAVAILABLE",
          "the certificate is revoked, but its CRL could not be published yet; it will be",
          e);
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
