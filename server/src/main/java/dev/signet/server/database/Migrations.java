package dev.signet.server.database;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The ledger's schema migrations, the {@code V<n>__*.sql} files beside this class, which Flyway
 * applies; and the quick check that lets a start skip Flyway when there is nothing to apply.
 *
 * <p>Flyway costs every start about 0.4 s of CPU even then (it loads its plugins, scans the class
 * path and parses every file), which is a third of what a daemon needs to start. {@link #applied}
 * is true only when the ledger's history holds exactly {@link #FILES}, in that order, each applied
 * successfully with the checksum Flyway computes for the bundled file. Anything else (a migration
 * not applied yet, one edited after it was applied, one a newer signetd applied, a failed one, a
 * baseline of a ledger older than Flyway, no history at all) goes to Flyway, which applies or
 * refuses exactly as before.
 */
public final class Migrations {
  /** Every migration, oldest first; the ledger contract checks it against the directory. */
  public static final List<String> FILES =
      List.of(
          "V1__certificates.sql",
          "V2__audit_nodes_tokens.sql",
          "V3__revocation_crls_checkpoints.sql",
          "V4__ca_generations.sql",
          "V5__credential_lineage.sql",
          "V6__audit_checkpoint_chain.sql",
          "V8__service_account_keys.sql",
          "V9__row_seals.sql",
          "V10__partial_revoked_index.sql",
          "V11__certificates_keyed_by_serial.sql",
          "V12__request_index_untouched_by_issuance.sql");

  /** Flyway's history table. */
  static final String HISTORY = "flyway_schema_history";

  private Migrations() {}

  /** Whether the ledger on {@code connection} has every bundled migration and nothing else. */
  public static boolean applied(Connection connection) throws SQLException {
    if (!Database.hasTable(connection, HISTORY)) {
      return false;
    }
    int next = 0;
    try (Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT type, script, checksum, success FROM "
                    + HISTORY
                    + " ORDER BY installed_rank")) {
      while (rows.next()) {
        int checksum = rows.getInt(3);
        boolean hasChecksum = !rows.wasNull();
        if (next == FILES.size()
            || !"SQL".equals(rows.getString(1))
            || !FILES.get(next).equals(rows.getString(2))
            || !hasChecksum
            || checksum != checksum(FILES.get(next))
            || !rows.getBoolean(4)) {
          return false;
        }
        next++;
      }
    }
    return next == FILES.size();
  }

  /**
   * The checksum Flyway records for a migration (its {@code ChecksumCalculator}): CRC-32 over the
   * file's lines in UTF-8, without line ends or a leading byte-order mark. Should Flyway ever
   * compute it differently, {@link #applied} is false and Flyway runs: slower, never wrong.
   */
  static int checksum(String file) {
    CRC32 crc = new CRC32();
    try (InputStream in = Migrations.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException("migration " + file + " is not bundled");
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        String content = line.startsWith("\uFEFF") ? line.substring(1) : line;
        crc.update(content.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read migration " + file, e);
    }
    return (int) crc.getValue();
  }
}
