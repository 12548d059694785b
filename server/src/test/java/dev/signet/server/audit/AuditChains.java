package dev.signet.server.audit;

import dev.signet.server.database.Database;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The audit chain verifier over a plain JDBC connection, for the invariant checker in {@code
 * testing}: it reads the ledger with its own connections, not through Signet's {@link Database},
 * and the chain's format is Signet's to define. It checks the chain and the checkpoints' hashes;
 * their signatures need the audit key in the token, which {@code signetd audit verify} has.
 */
public final class AuditChains {
  private AuditChains() {}

  public static AuditVerifier.Report verify(Connection connection) throws SQLException {
    return AuditVerifier.verify(connection, AuditVerifier.Expectations.structure());
  }
}
