package dev.signet.server.ledger;

import dev.signet.server.database.LedgerException;
import java.time.Instant;
import java.util.Optional;

/** The CRLs Signet has signed, per CA key, numbered. */
public interface Crls {
  /** One signed CRL. */
  record Crl(String issuerKeyId, long number, Instant thisUpdate, Instant nextUpdate, byte[] der) {}

  /** The CRL with the highest number for this CA key. */
  Optional<Crl> latest(String issuerKeyId) throws LedgerException;

  /**
   * Stores a CRL; false when its number was taken meanwhile (another replica published one), in
   * which case nothing is stored and the caller starts again from the newer CRL.
   */
  boolean store(Crl crl) throws LedgerException;
}
