package dev.signet.server.testing;

import dev.signet.server.audit.AuditChains;
import dev.signet.server.audit.AuditVerifier;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks the ledger against what clients received, after every fault, with its own code: plain JDBC
 * on the ledger's tables and the JDK's X.509 parser, none of Signet's ledger classes (the audit
 * chain's hash format is Signet's, so the chain itself is checked with its verifier).
 *
 * <ul>
 *   <li>I1: every certificate a client received is in the ledger, same serial, same DER, ISSUED.
 *   <li>I2: no serial is reused: a serial once seen (in any earlier check of this checker, across
 *       restarts) still names the same request and to-be-signed content, and is still there; no two
 *       received certificates share a serial.
 *   <li>I3: every row is ISSUED with its certificate, ABANDONED, POSSIBLY_ISSUED or INTENT; an
 *       ISSUED certificate is the signed form of its recorded intent (same TBS, same serial) and
 *       verifies under one of the CAs; exactly the INTENT and ISSUED rows have no failure (they
 *       hold their request id: the ledger's unique index on it covers the rows without one).
 *   <li>I4: every ISSUED row has an APPROVED audit event for its serial, and the chain verifies.
 * </ul>
 */
public final class InvariantChecker {
  private static final Set<String> STATES =
      Set.of("ISSUED", "ABANDONED", "POSSIBLY_ISSUED", "INTENT");

  /** Opens a connection to the ledger database. */
  @FunctionalInterface
  public interface ConnectionSource {
    Connection open() throws SQLException;
  }

  /** The outcome of one check: violations (each prefixed with its invariant) and what was seen. */
  public record Report(List<String> violations, Map<String, Integer> rowsByState, int received) {
    public boolean clean() {
      return violations.isEmpty();
    }

    public long count(String invariant) {
      return violations.stream().filter(v -> v.startsWith(invariant + " ")).count();
    }

    @Override
    public String toString() {
      return "rows "
          + rowsByState
          + ", received "
          + received
          + ", "
          + (clean()
              ? "no violation"
              : violations.size()
                  + " violations: "
                  + violations.subList(0, Math.min(20, violations.size())));
    }
  }

  private record Row(
      String issuer,
      BigInteger serial,
      String state,
      String requestId,
      byte[] tbs,
      byte[] der,
      boolean failed) {
    String key() {
      return issuer + "/" + serial.toString(16);
    }

    String identity() {
      return requestId + " " + ReceivedLog.sha256(tbs);
    }
  }

  private final ConnectionSource database;
  private final List<X509Certificate> cas;

  /** Every serial any earlier check saw, with the request and content it named. */
  private final Map<String, String> seen = new HashMap<>();

  public InvariantChecker(ConnectionSource database, List<X509Certificate> cas) {
    this.database = database;
    this.cas = List.copyOf(cas);
  }

  /** A checker of a SQLite ledger file. */
  public static InvariantChecker sqlite(Path file, List<X509Certificate> cas) {
    return new InvariantChecker(() -> DriverManager.getConnection("jdbc:sqlite:" + file), cas);
  }

  /** A checker of the PostgreSQL ledger at {@code url}. */
  public static InvariantChecker postgres(
      PostgresServer server, String url, List<X509Certificate> cas) {
    return new InvariantChecker(() -> server.connect(url), cas);
  }

  public Report check(ReceivedLog received) throws SQLException, IOException {
    List<ReceivedLog.Entry> entries = received.entries();
    List<String> violations = new ArrayList<>();
    Map<String, Integer> byState = new TreeMap<>();
    List<Row> rows = new ArrayList<>();
    Set<BigInteger> approved = new HashSet<>();
    AuditVerifier.Report chain;
    try (Connection connection = database.open()) {
      // one snapshot of both tables
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
      try (Statement statement = connection.createStatement()) {
        try (ResultSet result =
            statement.executeQuery(
                "SELECT issuer_key_id, serial, state, request_id, tbs_der, certificate_der,"
                    + " failure IS NOT NULL FROM certificates")) {
          while (result.next()) {
            rows.add(
                new Row(
                    result.getString(1),
                    new BigInteger(result.getString(2), 16),
                    result.getString(3),
                    result.getString(4),
                    result.getBytes(5),
                    result.getBytes(6),
                    result.getBoolean(7)));
          }
        }
        try (ResultSet result =
            statement.executeQuery(
                "SELECT serial FROM audit_events WHERE decision = 'APPROVED' AND serial <> ''")) {
          while (result.next()) {
            approved.add(new BigInteger(result.getString(1), 16));
          }
        }
      }
      chain = AuditChains.verify(connection);
      connection.rollback();
    }

    Map<BigInteger, List<Row>> bySerial = new HashMap<>();
    Set<String> present = new HashSet<>();
    for (Row row : rows) {
      byState.merge(row.state(), 1, Integer::sum);
      bySerial.computeIfAbsent(row.serial(), s -> new ArrayList<>()).add(row);
      present.add(row.key());
      checkRow(row, approved, violations);
      String before = seen.putIfAbsent(row.key(), row.identity());
      if (before != null && !before.equals(row.identity())) {
        violations.add(
            "I2 serial "
                + row.key()
                + " was recorded for "
                + before
                + " and now names "
                + row.identity());
      }
    }
    for (String key : seen.keySet()) {
      if (!present.contains(key)) {
        violations.add(
            "I2 serial " + key + " was in the ledger before and is gone: it could be issued again");
      }
    }

    Map<BigInteger, String> receivedSerials = new HashMap<>();
    for (ReceivedLog.Entry entry : entries) {
      String other = receivedSerials.putIfAbsent(entry.serial(), entry.sha256());
      if (other != null && !other.equals(entry.sha256())) {
        violations.add(
            "I2 two different certificates with serial "
                + entry.serial().toString(16)
                + " reached clients");
      }
      List<Row> candidates = bySerial.getOrDefault(entry.serial(), List.of());
      boolean found =
          candidates.stream()
              .anyMatch(
                  row ->
                      row.state().equals("ISSUED")
                          && row.der() != null
                          && ReceivedLog.sha256(row.der()).equals(entry.sha256())
                          && row.requestId().equals(entry.requestId()));
      if (!found) {
        violations.add(
            "I1 certificate "
                + entry.serial().toString(16)
                + " (request "
                + entry.requestId()
                + ") reached a client but the ledger has "
                + describe(candidates));
      }
    }

    if (!chain.intact()) {
      violations.add("I4 the audit chain is broken: " + chain.problem().orElseThrow());
    }
    return new Report(List.copyOf(violations), byState, entries.size());
  }

  private void checkRow(Row row, Set<BigInteger> approved, List<String> violations) {
    if (!STATES.contains(row.state())) {
      violations.add("I3 row " + row.key() + " is in unknown state " + row.state());
      return;
    }
    boolean holdsRequestId = row.state().equals("INTENT") || row.state().equals("ISSUED");
    if (holdsRequestId == row.failed()) {
      violations.add(
          "I3 row "
              + row.key()
              + " is "
              + row.state()
              + (row.failed() ? " with" : " without")
              + " a failure: its request id is held or released wrongly");
    }
    if (!row.state().equals("ISSUED")) {
      return;
    }
    if (row.der() == null) {
      violations.add("I3 row " + row.key() + " is ISSUED without a certificate");
      return;
    }
    try {
      X509Certificate certificate = ReceivedLog.parse(row.der());
      if (!certificate.getSerialNumber().equals(row.serial())) {
        violations.add(
            "I3 row "
                + row.key()
                + " holds a certificate with serial "
                + certificate.getSerialNumber().toString(16));
      }
      if (!Arrays.equals(certificate.getTBSCertificate(), row.tbs())) {
        violations.add(
            "I3 row " + row.key() + ": the signed certificate is not the recorded intent");
      }
      if (!cas.isEmpty() && cas.stream().noneMatch(ca -> verifies(certificate, ca))) {
        violations.add("I3 row " + row.key() + ": the certificate does not verify under any CA");
      }
    } catch (IOException | java.security.cert.CertificateEncodingException e) {
      violations.add("I3 row " + row.key() + " holds no parsable certificate: " + e.getMessage());
    }
    if (!approved.contains(row.serial())) {
      violations.add("I4 ISSUED row " + row.key() + " has no APPROVED audit event");
    }
  }

  private static boolean verifies(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static String describe(List<Row> rows) {
    if (rows.isEmpty()) {
      return "no row with that serial";
    }
    List<String> found = new ArrayList<>();
    for (Row row : rows) {
      found.add(
          row.state()
              + (row.der() == null
                  ? " without certificate"
                  : " with another certificate or request"));
    }
    return found.toString();
  }
}
