package dev.signet.server.ledger;

import java.time.Instant;

/**
 * One recorded generation of a rotated key, a CA's or the service-account signing key: its label in
 * the token and where it stands in the rotation since {@code changedAt}. Both kinds move through
 * the same states (see rotation.KeyRotation).
 */
public interface KeyGeneration<G extends KeyGeneration<G>> {
  /** Where a generation is in a rotation. */
  enum State {
    /** Trusted (published) only: made by prepare, not yet signing. */
    PREPARED,
    /** Signs. */
    ACTIVE,
    /** Signed until the last activate; still trusted until retired. */
    PREVIOUS,
    /** Neither signs nor is trusted; its key stays in the token under its label. */
    RETIRED
  }

  /** The generation's number, its key within its rotation (1 is the configured key). */
  int number();

  String keyLabel();

  State state();

  Instant changedAt();

  /** This generation in {@code state} since {@code changedAt}. */
  G with(State state, Instant changedAt);
}
