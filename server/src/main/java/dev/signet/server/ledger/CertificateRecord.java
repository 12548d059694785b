package dev.signet.server.ledger;

import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.time.Instant;
import java.util.Optional;

/**
 * One row of the ledger: a certificate Signet intended to sign, and, once signed, the certificate
 * itself.
 *
 * @param requestHash SHA-256 over the profile, the typed parameters and the CSR: two requests with
 *     the same id are "the same request" exactly when their hashes are equal
 * @param tbsDer what was (or was about to be) signed, kept even if the signed certificate is lost
 * @param revocation when and why it was revoked, if it was
 * @param renewedFrom for a renewed Signet API credential, the serial of the one it was renewed with
 */
public record CertificateRecord(
    String issuerKeyId,
    String serial,
    State state,
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
    Optional<byte[]> certificateDer,
    Instant createdAt,
    Optional<Revocation> revocation,
    Optional<String> renewedFrom) {

  /** A revocation: when, and the RFC 5280 reason code. */
  public record Revocation(Instant at, int reasonCode) {}

  /** Where a certificate is in its life. */
  public enum State {
    /** Recorded before signing; nothing returned yet. */
    INTENT,
    /** Signed, verified and stored; the only state in which a certificate is handed out. */
    ISSUED,
    /** Signing failed before any signature existed: no certificate with this serial exists. */
    ABANDONED,
    /**
     * An intent whose outcome is unknown (a crash between signing and storing): a certificate may
     * exist. Its serial is never reused and it is treated as revocable.
     */
    POSSIBLY_ISSUED
  }
}
