package dev.signet.server.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/** Reads a daemon's SQLite ledger directly, as an auditor with file access would. */
public final class LedgerRows {
  private final String url;

  public LedgerRows(Path sqliteFile) {
    this.url = "jdbc:sqlite:" + sqliteFile;
  }

  public static LedgerRows of(TestToken token) {
    return new LedgerRows(token.directory().resolve("ledger.db"));
  }

  /** Rows of the certificates table matching a SQL condition, e.g. {@code state = 'ISSUED'}. */
  public int count(String condition) throws SQLException {
    return count("certificates", condition);
  }

  /** Audit events matching a SQL condition, e.g. {@code decision = 'DENIED'}. */
  public int auditCount(String condition) throws SQLException {
    return count("audit_events", condition);
  }

  /**
   * As {@link #auditCount}, once at least {@code atLeast} events match (waiting up to 30 s): the
   * refusals of unauthenticated callers are written by RefusalAudit's own thread, after the caller
   * got its answer.
   */
  public int awaitAuditCount(String condition, int atLeast)
      throws SQLException, InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int count = auditCount(condition);
    while (count < atLeast && System.nanoTime() < end) {
      Thread.sleep(50);
      count = auditCount(condition);
    }
    return count;
  }

  private int count(String table, String condition) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        PreparedStatement query =
            connection.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE " + condition);
        ResultSet rows = query.executeQuery()) {
      rows.next();
      return rows.getInt(1);
    }
  }

  /** The serial of the one certificate matching a SQL condition. */
  public String serialOf(String condition) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        PreparedStatement query =
            connection.prepareStatement("SELECT serial FROM certificates WHERE " + condition);
        ResultSet rows = query.executeQuery()) {
      if (!rows.next()) {
        throw new SQLException("no certificate where " + condition);
      }
      String serial = rows.getString(1);
      if (rows.next()) {
        throw new SQLException("several certificates where " + condition);
      }
      return serial;
    }
  }

  /** The serials of the certificates matching a SQL condition. */
  public java.util.List<String> serials(String condition) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        PreparedStatement query =
            connection.prepareStatement("SELECT serial FROM certificates WHERE " + condition);
        ResultSet rows = query.executeQuery()) {
      java.util.List<String> serials = new java.util.ArrayList<>();
      while (rows.next()) {
        serials.add(rows.getString(1));
      }
      return serials;
    }
  }

  /** The stored DER of an issued certificate, by serial. */
  public byte[] certificate(String serial) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT certificate_der FROM certificates WHERE serial = ?")) {
      query.setString(1, serial);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next() ? rows.getBytes(1) : null;
      }
    }
  }
}
