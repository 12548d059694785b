package dev.signet.server.ledger;

import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.time.Instant;
import java.util.Optional;

/**
 * The durable record of every certificate Signet signs. Each method returns only after its write
 * is durable, which is what lets the issuer promise that no certificate leaves the daemon without
 * a record, and no signature happens without a prior record of the intent.
 */
public interface Ledger extends AutoCloseable {

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

  /** The caller's earlier request under {@code requestId}, unless it was abandoned. */
  Optional<CertificateRecord> findByRequest(String caller, String requestId) throws LedgerException;

  /**
   * Records an intent and its audit event ({@code SIGNING}) in one transaction, durably, before
   * the token signs.
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
