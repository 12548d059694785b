package dev.signet.server.ledger;

import dev.signet.server.database.LedgerException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Single-use bootstrap tokens; only a hash of each secret is stored. */
public interface BootstrapTokens {
  /** A token's record. {@code secretHash} is hex SHA-256 of the secret. */
  record Token(
      String id,
      String secretHash,
      String nodeName,
      List<String> addresses,
      String createdBy,
      Instant createdAt,
      Instant expiresAt,
      Optional<Instant> usedAt) {}

  void create(Token token) throws LedgerException;

  Optional<Token> find(String id) throws LedgerException;

  /**
   * Spends the token (as {@link #find} returned it) if it is unspent and unexpired at {@code now},
   * in one conditional update: of any number of concurrent callers, across replicas too, exactly
   * one gets true.
   */
  boolean consume(Token token, String usedBy, Instant now) throws LedgerException;
}
