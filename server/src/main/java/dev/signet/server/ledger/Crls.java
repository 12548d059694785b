package dev.signet.server.ledger;

import dev.signet.server.database.LedgerException;
import java.time.Instant;
import java.util.Optional;

/** The CRLs Signet has signed, per CA key, numbered. */
public interface Crls {
  /** One signed CRL. */
  record Crl(String issuerKeyId, long number, Instant thisUpdate, Instant nextUpdate, byte[] der) {}

  /** What is known of a CRL without reading it: when it was made, and its size. */
  record Summary(long number, Instant thisUpdate, Instant nextUpdate, long bytes) {}

  /** The summary of the newest CRL of this CA key (cheap: the CRL itself is not read). */
  Optional<Summary> latestSummary(String issuerKeyId) throws LedgerException;

  /** The CRL with the highest number for this CA key. */
  Optional<Crl> latest(String issuerKeyId) throws LedgerException;

  /**
   * Stores a CRL; false when its number was taken meanwhile (another replica published one), in
   * which case nothing is stored and the caller starts again from the newer CRL.
   */
  boolean store(Crl crl) throws LedgerException;
}
