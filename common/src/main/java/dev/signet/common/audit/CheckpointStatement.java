package dev.signet.common.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What one checkpoint of the audit chain states, and exactly the bytes the audit key signs: the
 * checkpoint's place in the chain of checkpoints ({@code number}, and the hash of the statement
 * before it), the audit event it covers ({@code seq} and that event's chain hash), when it was made
 * and why. An auditor rebuilds the bytes from the witness JSON (see {@link #bytes}), so the format
 * is plain text, one field per line.
 */
public record CheckpointStatement(
    long number, long seq, String eventHash, String previousHash, Instant at, Kind kind) {
  /** The first line of every statement, naming its format. */
  public static final String FORMAT = "signet-audit-checkpoint/1";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /** Why a checkpoint was made. */
  public enum Kind {
    /** signetd serve started (after settling what a crash left). */
    START,
    /** Every audit.checkpointInterval while serving. */
    PERIODIC,
    /** Asked for (Audit.CreateCheckpoint). */
    REQUESTED,
    /**
     * The last checkpoint of a signetd process that stops (serve on SIGTERM, init at its end): a
     * chain whose newest checkpoint is one of these belongs to a stopped daemon, so its age is no
     * sign of removed checkpoints.
     */
    SHUTDOWN;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The kind named {@code id}; IllegalArgumentException for any other text. */
    public static Kind of(String id) {
      for (Kind kind : values()) {
        if (kind.id().equals(id)) {
          return kind;
        }
      }
      throw new IllegalArgumentException("unknown checkpoint kind '" + id + "'");
    }
  }

  /** Checks every field, so that a statement read from an untrusted file is well formed. */
  public CheckpointStatement {
    if (number < 1) {
      throw new IllegalArgumentException("checkpoint numbers start at 1, not " + number);
    }
    if (seq < 0) {
      throw new IllegalArgumentException("event sequence numbers are not negative: " + seq);
    }
    if (seq == 0 ? !eventHash.isEmpty() : !SHA256_HEX.matcher(eventHash).matches()) {
      throw new IllegalArgumentException(
          "eventHash must be 64 lowercase hex digits (empty only for event 0)");
    }
    if (number == 1 ? !previousHash.isEmpty() : !SHA256_HEX.matcher(previousHash).matches()) {
      throw new IllegalArgumentException(
          "previousHash must be 64 lowercase hex digits (empty only for checkpoint 1)");
    }
    at = at.truncatedTo(ChronoUnit.MILLIS);
  }

  /**
   * The signed bytes, US-ASCII, each line ending in a newline: {@value #FORMAT}, number, seq,
   * eventHash, previousHash, the time in milliseconds since the epoch, the kind.
   */
  public byte[] bytes() {
    return String.join(
            "\n",
            FORMAT,
            Long.toString(number),
            Long.toString(seq),
            eventHash,
            previousHash,
            Long.toString(at.toEpochMilli()),
            kind.id(),
            "")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** SHA-256 of {@link #bytes}, hex: what the next checkpoint names as its previousHash. */
  public String hash() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code next} is the checkpoint right after this one. */
  public boolean isFollowedBy(CheckpointStatement next) {
    return next.number == number + 1 && next.previousHash.equals(hash());
  }
}
