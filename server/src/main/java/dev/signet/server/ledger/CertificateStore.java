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

  /** What is about to be signed. */
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
      Instant createdAt) {}

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

  /** One entry of a CRL. */
  record RevokedEntry(String serial, Instant revokedAt, int reasonCode) {}

  /** The caller's live request under {@code requestId}: an intent or an issued certificate. */
  Optional<CertificateRecord> findByRequest(String caller, String requestId) throws LedgerException;

  /** The records of a serial: one, or (for colliding random serials) one per issuer. */
  List<CertificateRecord> findBySerial(String serial) throws LedgerException;

  /** Records matching {@code filter}, at most {@code limit}, in (not_after, serial) order. */
  List<CertificateRecord> list(Filter filter, int limit) throws LedgerException;

  /**
   * Revokes a certificate (ISSUED or POSSIBLY_ISSUED) with its audit event in one transaction; a
   * certificate revoked before keeps its first revocation. Returns the record as it now is.
   */
  CertificateRecord revoke(
      String issuerKeyId, String serial, int reasonCode, Instant at, AuditEvent event)
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
