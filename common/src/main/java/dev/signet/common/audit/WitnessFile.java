package dev.signet.common.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A witness file: checkpoints as JSON lines, one per line, in any order, with repeats and gaps
 * allowed (a collector may have reconnected, or missed some). Reading it checks every line's
 * signature and, where the file holds consecutive checkpoints, that each names its predecessor.
 */
public final class WitnessFile {
  /** The verified checkpoints, by number, and the newest of each run of consecutive ones. */
  public record Verified(List<SignedCheckpoint> checkpoints, List<SignedCheckpoint> runEnds) {
    public Verified {
      checkpoints = List.copyOf(checkpoints);
      runEnds = List.copyOf(runEnds);
    }

    /**
     * The newest checkpoint of each run of consecutive numbers. Each names its predecessor's hash,
     * so a ledger whose own chain of checkpoints verifies and holds a run's newest checkpoint holds
     * the whole run: checking these few proves the ledger extends every witnessed checkpoint.
     */
    @Override
    public List<SignedCheckpoint> runEnds() {
      return runEnds;
    }
  }

  private WitnessFile() {}

  /** Verifies {@code lines} (blank ones skipped); a WitnessException names the first bad line. */
  public static Verified verify(List<String> lines, AuditKeyTrust trust) throws WitnessException {
    Map<Long, SignedCheckpoint> byNumber = new TreeMap<>();
    int lineNumber = 0;
    for (String line : lines) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      Witness.Entry entry;
      try {
        entry = Witness.parse(line);
        entry.verify(trust);
      } catch (WitnessException e) {
        throw new WitnessException("witness line " + lineNumber + ": " + e.getMessage());
      }
      CheckpointStatement statement = entry.checkpoint().statement();
      SignedCheckpoint earlier = byNumber.putIfAbsent(statement.number(), entry.checkpoint());
      if (earlier != null && !earlier.statement().equals(statement)) {
        throw new WitnessException(
            "witness line "
                + lineNumber
                + ": a second, different checkpoint "
                + statement.number()
                + ": the audit key signed two histories");
      }
    }
    if (byNumber.isEmpty()) {
      throw new WitnessException("the witness holds no checkpoint");
    }
    List<SignedCheckpoint> runEnds = new ArrayList<>();
    SignedCheckpoint previous = null;
    for (SignedCheckpoint checkpoint : byNumber.values()) {
      CheckpointStatement statement = checkpoint.statement();
      if (previous != null && statement.number() == previous.statement().number() + 1) {
        if (!previous.statement().isFollowedBy(statement)
            || statement.seq() < previous.statement().seq()) {
          throw new WitnessException(
              "witnessed checkpoint "
                  + statement.number()
                  + " does not follow checkpoint "
                  + previous.statement().number()
                  + ": the audit key signed two histories");
        }
      } else if (previous != null) {
        runEnds.add(previous);
      }
      previous = checkpoint;
    }
    runEnds.add(previous);
    return new Verified(new ArrayList<>(byNumber.values()), runEnds);
  }
}
