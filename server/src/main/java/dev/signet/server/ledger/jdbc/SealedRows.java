package dev.signet.server.ledger.jdbc;

import dev.signet.server.database.LedgerException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every sealed row of the ledger checked at once ({@code signetd audit verify}), or sealed where it
 * has no seal yet ({@code signetd init}, the run that creates the seal key). Rows are named as
 * {@code table identity}: {@code nodes worker-1}, {@code bootstrap_tokens abcdef}, {@code
 * certificates 5f3a...}.
 */
public final class SealedRows {
  /**
   * What a check found: how many sealed rows there are, those whose seal does not verify, and those
   * sealed by this check.
   */
  public record Report(int rows, List<String> broken, List<String> sealedNow) {}

  private final JdbcNodes nodes;
  private final JdbcBootstrapTokens tokens;
  private final JdbcCertificateStore certificates;

  public SealedRows(
      JdbcNodes nodes, JdbcBootstrapTokens tokens, JdbcCertificateStore certificates) {
    this.nodes = nodes;
    this.tokens = tokens;
    this.certificates = certificates;
  }

  /** Checks every sealed row; a row without a seal is broken. */
  public Report verify() throws LedgerException {
    return check(false);
  }

  /**
   * Seals every row without a seal, for a ledger recorded before the seal key existed, and checks
   * the others.
   */
  public Report sealUnsealed() throws LedgerException {
    return check(true);
  }

  private Report check(boolean sealUnsealed) throws LedgerException {
    int rows = 0;
    List<String> broken = new ArrayList<>();
    List<String> sealedNow = new ArrayList<>();
    for (SealSweep sweep :
        List.of(
            nodes.sweep(sealUnsealed),
            tokens.sweep(sealUnsealed),
            certificates.sweep(sealUnsealed))) {
      rows += sweep.rows();
      sweep.broken().forEach(id -> broken.add(sweep.table() + " " + id));
      sweep.sealedNow().forEach(id -> sealedNow.add(sweep.table() + " " + id));
    }
    return new Report(rows, broken, sealedNow);
  }
}
