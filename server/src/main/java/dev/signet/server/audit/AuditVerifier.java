package dev.signet.server.audit;

import dev.signet.common.audit.CheckpointStatement;
import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Walks the audit chain from its first event, then the chain of signed checkpoints, and reports the
 * first link that does not hold.
 *
 * <p>Events: a gap in the sequence (a deleted row), a hash that does not match the event's fields
 * and its predecessor (an edited or reordered row), a head that disagrees with the last event (rows
 * deleted from the end). Checkpoints: one missing from their chain (numbered from 1, each naming
 * its predecessor's hash), a signature that is not the audit key's, a checkpoint whose event hash
 * is not the chain's (the chain recomputed by someone without the audit key) or whose event is
 * beyond the chain's end (events cut and the head moved back), none at all, or the newest older
 * than twice the checkpoint interval without being a stopped daemon's last. Witnessed checkpoints,
 * kept outside the database: each must be in the ledger and match its events, so that a rewrite, a
 * truncation or an older copy of the database is found even when every checkpoint row is gone.
 */
public final class AuditVerifier {
  /** A checkpoint kept outside the database, as {@code VerifyAuditRequest.witnessed} gives it. */
  public record Witnessed(long number, long seq, String eventHash, String statementHash) {
    public static Witnessed of(SignedCheckpoint checkpoint) {
      CheckpointStatement statement = checkpoint.statement();
      return new Witnessed(
          statement.number(), statement.seq(), statement.eventHash(), statement.hash());
    }
  }

  /**
   * What to hold the trail to. Without {@code auditKey} signatures are not checked; without {@code
   * checkpointInterval} neither completeness (a checkpoint must exist) nor freshness are.
   */
  public record Expectations(
      Optional<PublicKey> auditKey,
      Optional<Duration> checkpointInterval,
      Instant now,
      List<Witnessed> witnessed) {
    public Expectations {
      witnessed = List.copyOf(witnessed);
    }

    /** The chains' structure only: what can be checked without the audit key or the settings. */
    public static Expectations structure() {
      return new Expectations(Optional.empty(), Optional.empty(), Instant.EPOCH, List.of());
    }

    /** Everything: signatures, completeness, freshness at {@code now}, and the witness. */
    public static Expectations full(
        PublicKey auditKey, Duration checkpointInterval, Instant now, List<Witnessed> witnessed) {
      return new Expectations(
          Optional.of(auditKey), Optional.of(checkpointInterval), now, witnessed);
    }
  }

  /** The outcome: what was checked, the newest checkpoint, and the first problem, if any. */
  public record Report(
      long events,
      long checkpoints,
      Optional<CheckpointStatement> newest,
      long witnessed,
      Optional<Problem> problem) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /** Where the chain breaks: the sequence number of the first bad event, and why. */
  public record Problem(long seq, String description) {}

  /** Stops the walk at the first problem. */
  private static final class Broken extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Problem problem;

    Broken(long seq, String description) {
      super(description, null, false, false);
      this.problem = new Problem(Math.max(0, seq), description);
    }
  }

  private AuditVerifier() {}

  public static Report verify(Database database, Expectations expectations) throws LedgerException {
    try (Connection connection = database.snapshotConnection()) {
      Report report = verify(connection, expectations);
      connection.commit();
      return report;
    } catch (SQLException e) {
      throw new LedgerException.Unavailable("cannot read the audit trail: " + e.getMessage(), e);
    }
  }

  static Report verify(Connection connection, Expectations expectations) throws SQLException {
    NavigableMap<Long, SignedCheckpoint> checkpoints = new TreeMap<>();
    Set<Long> wanted = new HashSet<>();
    expectations.witnessed().forEach(witnessed -> wanted.add(witnessed.seq()));
    long last = 0;
    try {
      checkpoints = checkpoints(connection);
      checkpoints.values().forEach(checkpoint -> wanted.add(checkpoint.statement().seq()));
      Map<Long, String> hashes = new HashMap<>();
      hashes.put(0L, "");
      last = events(connection, wanted, hashes);
      witness(expectations.witnessed(), checkpoints, hashes, last);
      checkpointChain(checkpoints, hashes, last, expectations.auditKey());
      if (expectations.checkpointInterval().isPresent()) {
        completeAndFresh(checkpoints, last, expectations);
      }
    } catch (Broken broken) {
      return report(last, checkpoints, expectations, Optional.of(broken.problem));
    }
    return report(last, checkpoints, expectations, Optional.empty());
  }

  private static Report report(
      long last,
      NavigableMap<Long, SignedCheckpoint> checkpoints,
      Expectations expectations,
      Optional<Problem> problem) {
    Optional<CheckpointStatement> newest =
        checkpoints.values().stream()
            .reduce((first, second) -> second)
            .map(SignedCheckpoint::statement);
    return new Report(last, checkpoints.size(), newest, expectations.witnessed().size(), problem);
  }

  /** Walks the events; returns the last one's sequence number, and the hashes {@code wanted}. */
  private static long events(Connection connection, Set<Long> wanted, Map<Long, String> hashes)
      throws SQLException, Broken {
    long expectedSeq = 1;
    String previousHash = "";
    try (PreparedStatement query =
            connection.prepareStatement(
                "SELECT seq, at, caller, caller_role, action, profile, node_name, decision, reason, detail,"
                    + " serial, request_id, token_id, hash FROM audit_events ORDER BY seq");
        ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        long seq = rows.getLong(1);
        if (seq != expectedSeq) {
          throw new Broken(
              expectedSeq - 1,
              seq > expectedSeq
                  ? "event "
                      + expectedSeq
                      + " is missing: the sequence jumps from "
                      + (expectedSeq - 1)
                      + " to "
                      + seq
                  : "event " + seq + " appears out of order");
        }
        AuditEvent event;
        try {
          event = JdbcAuditLog.event(rows);
        } catch (IllegalArgumentException e) {
          throw new Broken(
              seq, "event " + seq + " has an unknown decision '" + rows.getString(8) + "'");
        }
        String expected = JdbcAuditLog.chainHash(previousHash, seq, event);
        if (!expected.equals(rows.getString(14))) {
          throw new Broken(
              seq,
              "event "
                  + seq
                  + " does not match its hash: it was altered, or an event before it"
                  + " was removed or reordered");
        }
        if (wanted.contains(seq)) {
          hashes.put(seq, expected);
        }
        previousHash = expected;
        expectedSeq++;
      }
    }
    long last = expectedSeq - 1;
    try (PreparedStatement head =
            connection.prepareStatement("SELECT seq, hash FROM audit_head WHERE id = 1");
        ResultSet row = head.executeQuery()) {
      if (!row.next()) {
        throw new Broken(last, "the chain's head row is missing");
      }
      if (row.getLong(1) != last || !row.getString(2).equals(previousHash)) {
        throw new Broken(
            last,
            "the chain ends at event "
                + last
                + " but its head records event "
                + row.getLong(1)
                + ": events at the end were removed or altered");
      }
    }
    return last;
  }

  /** The ledger must extend each witnessed checkpoint: same events up to it, same checkpoint. */
  private static void witness(
      List<Witnessed> witnessed,
      NavigableMap<Long, SignedCheckpoint> checkpoints,
      Map<Long, String> hashes,
      long last)
      throws Broken {
    for (Witnessed seen :
        witnessed.stream().sorted(Comparator.comparingLong(Witnessed::number)).toList()) {
      if (seen.seq() > last) {
        throw new Broken(
            last,
            "the chain ends at event "
                + last
                + ", before event "
                + seen.seq()
                + " of witnessed checkpoint "
                + seen.number()
                + ": events were removed, or this is an older copy of the ledger");
      }
      if (!seen.eventHash().equals(hashes.get(seen.seq()))) {
        throw new Broken(
            seen.seq(),
            "event "
                + seen.seq()
                + " does not match witnessed checkpoint "
                + seen.number()
                + ": the events up to "
                + seen.seq()
                + " were rewritten");
      }
      SignedCheckpoint ours = checkpoints.get(seen.number());
      if (ours == null) {
        throw new Broken(
            seen.seq(),
            "witnessed checkpoint "
                + seen.number()
                + " is missing from the ledger ("
                + (checkpoints.isEmpty()
                    ? "it holds none"
                    : "its checkpoints end at " + checkpoints.lastKey())
                + "): checkpoints were removed, or this is an older copy of the ledger");
      }
      if (!ours.statement().hash().equals(seen.statementHash())) {
        throw new Broken(
            seen.seq(),
            "checkpoint "
                + seen.number()
                + " in the ledger differs from the witnessed one: the ledger's history was replaced");
      }
    }
  }

  private static void checkpointChain(
      NavigableMap<Long, SignedCheckpoint> checkpoints,
      Map<Long, String> hashes,
      long last,
      Optional<PublicKey> auditKey)
      throws Broken {
    CheckpointStatement previous = null;
    for (SignedCheckpoint checkpoint : checkpoints.values()) {
      CheckpointStatement statement = checkpoint.statement();
      long number = statement.number();
      long expected = previous == null ? 1 : previous.number() + 1;
      if (number != expected) {
        throw new Broken(
            statement.seq(),
            "checkpoint "
                + expected
                + " is missing: "
                + (previous == null
                    ? "the checkpoints start at " + number
                    : "checkpoint " + number + " follows checkpoint " + previous.number()));
      }
      if (previous != null && !previous.isFollowedBy(statement)) {
        throw new Broken(
            statement.seq(),
            "checkpoint "
                + number
                + " does not name checkpoint "
                + previous.number()
                + " as its predecessor: the checkpoints were replaced");
      }
      if (auditKey.isPresent() && !checkpoint.verifiesUnder(auditKey.get())) {
        throw new Broken(
            statement.seq(),
            "checkpoint "
                + number
                + " (event "
                + statement.seq()
                + ") is not signed by the audit key: it was forged or altered");
      }
      if (statement.seq() > last) {
        throw new Broken(
            last,
            "checkpoint "
                + number
                + " covers event "
                + statement.seq()
                + ", beyond the chain's last event "
                + last
                + ": events were removed");
      }
      if (previous != null && statement.seq() < previous.seq()) {
        throw new Broken(
            statement.seq(),
            "checkpoint "
                + number
                + " covers event "
                + statement.seq()
                + ", before its predecessor's event "
                + previous.seq()
                + ": events were removed and the chain written anew");
      }
      if (!statement.eventHash().equals(hashes.get(statement.seq()))) {
        throw new Broken(
            statement.seq(),
            "the signed checkpoint "
                + number
                + " at event "
                + statement.seq()
                + " does not match the chain: events up to "
                + statement.seq()
                + " were rewritten");
      }
      previous = statement;
    }
  }

  private static void completeAndFresh(
      NavigableMap<Long, SignedCheckpoint> checkpoints, long last, Expectations expectations)
      throws Broken {
    if (checkpoints.isEmpty()) {
      if (last > 0) {
        throw new Broken(
            1,
            "no signed checkpoint covers the chain of "
                + last
                + " events: checkpoint 1 is missing (every checkpoint was removed)");
      }
      return;
    }
    CheckpointStatement newest = checkpoints.lastEntry().getValue().statement();
    Duration interval = expectations.checkpointInterval().orElseThrow();
    if (newest.kind() != CheckpointStatement.Kind.SHUTDOWN
        && newest.at().plus(interval.multipliedBy(2)).isBefore(expectations.now())) {
      throw new Broken(
          newest.seq(),
          "the newest checkpoint, "
              + newest.number()
              + " (event "
              + newest.seq()
              + ", "
              + newest.at()
              + "), is older than twice audit.checkpointInterval ("
              + interval.multipliedBy(2).toSeconds()
              + " s) and is no shutdown checkpoint: newer checkpoints were removed, or signetd"
              + " stopped without one (after a crash, start it again)");
    }
  }

  private static NavigableMap<Long, SignedCheckpoint> checkpoints(Connection connection)
      throws SQLException, Broken {
    NavigableMap<Long, SignedCheckpoint> checkpoints = new TreeMap<>();
    try (PreparedStatement query =
            connection.prepareStatement(
                "SELECT " + JdbcAuditCheckpoints.COLUMNS + " FROM audit_checkpoints");
        ResultSet rows = query.executeQuery()) {
      while (rows.next()) {
        try {
          SignedCheckpoint checkpoint = JdbcAuditCheckpoints.checkpoint(rows);
          checkpoints.put(checkpoint.statement().number(), checkpoint);
        } catch (IllegalArgumentException e) {
          throw new Broken(
              rows.getLong(2),
              "checkpoint " + rows.getLong(1) + " is malformed (" + e.getMessage() + ")");
        }
      }
    }
    return checkpoints;
  }
}
