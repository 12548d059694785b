package dev.signet.server.ledger;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.database.LedgerException;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The durable record of every certificate Signet signs. Each method returns only after its write is
 * durable, which is what lets the issuer promise that no certificate leaves the daemon without a
 * record, and no signature happens without a prior record of the intent.
 */
public interface CertificateStore extends AutoCloseable {

  /**
   * What is about to be signed. {@code renewedFrom} is the serial of the Signet API credential a
   * renewal was made with, empty otherwise.
   */
  record Intent(
      String issuerKeyId,
      String serial,
      Profile profile,
      TrustDomain trustDomain,
      String caller,
      String requestId,
      byte[] requestHash,
      String nodeName,
      String subject,
      Instant notBefore,
      Instant notAfter,
      byte[] tbsDer,
      Instant createdAt,
      String renewedFrom) {}

  /** Filters for {@link #list}; empty ones match everything. */
  record Filter(
      Optional<String> nodeName,
      Optional<Profile> profile,
      Optional<Instant> expiringBefore,
      boolean includeRevoked,
      Optional<PageKey> after,
      Optional<CertificateRecord.State> state,
      boolean revokedOnly) {}

  /** Where a page of {@link #list} ends: results are ordered by expiry, then serial. */
  record PageKey(Instant notAfter, String serial) {}

  /** What to revoke: one certificate of one issuer. */
  record Target(String issuerKeyId, String serial) {}

  /** One entry of a CRL. */
  record RevokedEntry(String serial, Instant revokedAt, int reasonCode) {}

  /** What the ledger says of a Signet API client credential presented to the API. */
  enum CredentialStanding {
    /** Recorded with a seal that verifies, not revoked. */
    LIVE,
    /** Recorded with a seal that verifies, revoked. */
    REVOKED,
    /** No record, or only records whose seal does not verify (reported as broken). */
    UNRECORDED
  }

  /** The standing of the Signet API client credential {@code serial}, its seal checked. */
  CredentialStanding credentialStanding(String serial) throws LedgerException;

  /** The caller's live request under {@code requestId}: an intent or an issued certificate. */
  Optional<CertificateRecord> findByRequest(String caller, String requestId) throws LedgerException;

  /** The records of a serial: one, or (for colliding random serials) one per issuer. */
  List<CertificateRecord> findBySerial(String serial) throws LedgerException;

  /** Records matching {@code filter}, at most {@code limit}, in (not_after, serial) order. */
  List<CertificateRecord> list(Filter filter, int limit) throws LedgerException;

  /**
   * Certificates of {@code profile} (and of {@code nodeName}, if given) that are neither revoked
   * nor expired at {@code now}: issued, possibly issued, or being signed.
   */
  List<CertificateRecord> live(Profile profile, Optional<String> nodeName, Instant now)
      throws LedgerException;

  /**
   * The renewal line of a Signet API credential: the credential, the ones it was renewed from, and
   * every credential renewed from any of them, transitively; intents included (a renewal being
   * signed). Only the credential itself when it was never renewed.
   */
  List<CertificateRecord> line(String serial) throws LedgerException;

  /**
   * Revokes several certificates in one transaction, each with its audit event: ISSUED and
   * POSSIBLY_ISSUED ones, and intents (a certificate being signed is revoked as it is recorded). A
   * certificate revoked before keeps its first revocation, and gets no event. Returns the records
   * as they now are, in the order given.
   */
  List<CertificateRecord> revokeAll(
      List<Target> targets, int reasonCode, Instant at, Function<Target, AuditEvent> eventFor)
      throws LedgerException;

  /** The CRL entries of an issuer: revoked certificates that have not expired by {@code now}. */
  List<RevokedEntry> revokedEntries(String issuerKeyId, Instant now) throws LedgerException;

  /**
   * Settles intents recorded before {@code olderThan} whose outcome nobody will report any more
   * (the process that made them crashed, or lost its ledger): each becomes POSSIBLY_ISSUED and
   * revoked, so that a certificate signed but never recorded is on the CRL, its serial is never
   * reused, and its request id is free for a retry. Each is audited. Returns their serials.
   */
  List<String> reconcileIntents(
      Instant olderThan, Instant now, Function<String, AuditEvent> auditFor) throws LedgerException;

  /**
   * Records an intent and its audit event ({@code SIGNING}) in one transaction, durably, before the
   * token signs.
   *
   * @throws LedgerException.DuplicateSerial if the serial is taken for this issuer
   * @throws LedgerException.DuplicateRequest if the caller has a live request under this id
   * @throws LedgerException.PredecessorRevoked if it renews a credential that is revoked by now
   */
  void recordIntent(Intent intent, AuditEvent event) throws LedgerException;

  /**
   * Stores the signed certificate of an intent and its audit event ({@code APPROVED}) in one
   * transaction; durable when this returns. If either cannot be written, neither is.
   */
  void recordIssued(
      String issuerKeyId, String serial, byte[] certificateDer, Instant issuedAt, AuditEvent event)
      throws LedgerException;

  /** Closes an intent whose signing failed before any signature existed. */
  void recordAbandoned(String issuerKeyId, String serial, String reason) throws LedgerException;

  @Override
  void close();
}
