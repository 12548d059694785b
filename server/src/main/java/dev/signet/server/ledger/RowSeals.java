package dev.signet.server.ledger;

import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.SigningException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;

/**
 * Binds the ledger rows that grant power (bootstrap tokens, node registrations with their
 * addresses, Signet API credential records) to the token: each such row carries a seal, the
 * HMAC-SHA256 of its table, its identity and every column that matters, made with a secret key that
 * {@code signetd init} generates inside the token and that never leaves it. Whoever can write the
 * database but not use the token can neither insert such a row, nor alter one, nor copy a seal to
 * another row (the identity is sealed too). A row whose seal does not verify is treated as absent
 * and reported (audited by the daemon), and {@code signetd audit verify} names it.
 */
public final class RowSeals {
  private static final Logger LOG = Logger.getLogger(RowSeals.class.getName());

  /** The label of the seal key in the token. */
  public static final String KEY_LABEL = "signet-ledger-seal";

  private static final byte[] DOMAIN = "signet ledger row seal v1".getBytes(StandardCharsets.UTF_8);

  /** Told of every row whose seal does not verify when it is used. */
  @FunctionalInterface
  public interface BrokenSeals {
    void report(String table, String id) throws LedgerException;
  }

  private volatile CaKeyStore.MacKey key;
  private volatile BrokenSeals broken =
      (table, id) -> LOG.warning(table + " row " + id + ": its seal does not verify; refused");

  /** Seals made and checked with {@code key} from now on. */
  public void use(CaKeyStore.MacKey key) {
    this.key = key;
  }

  /** Whether a seal key is in use. */
  public boolean keyed() {
    return key != null;
  }

  /** Where broken seals found in use are reported (the daemon audits them). */
  public void reportTo(BrokenSeals broken) {
    this.broken = broken;
  }

  /**
   * The seal of a row of {@code table}: {@code columns} starts with the row's identity and holds
   * every column that grants power (null for SQL NULL).
   */
  public String seal(String table, List<String> columns) throws LedgerException {
    CaKeyStore.MacKey current = key;
    if (current == null) {
      throw new IllegalStateException("no seal key: the daemon loads it before serving");
    }
    try {
      return HexFormat.of().formatHex(current.mac(encode(table, columns)));
    } catch (SigningException e) {
      throw new LedgerException.Unavailable(
          "cannot seal a " + table + " row: " + e.getMessage(), e);
    }
  }

  /** Whether {@code seal} is the seal of the row; nothing is reported. */
  public boolean intact(String table, List<String> columns, String seal) throws LedgerException {
    if (seal == null) {
      return false;
    }
    byte[] expected = seal(table, columns).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, seal.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Whether {@code seal} is the seal of the row about to be used; a row that fails is reported and
   * must then be treated as absent.
   */
  public boolean verify(String table, List<String> columns, String seal) throws LedgerException {
    if (intact(table, columns, seal)) {
      return true;
    }
    broken.report(table, columns.get(0));
    return false;
  }

  /** Each value length-prefixed, so that no two different rows encode alike. */
  private static byte[] encode(String table, List<String> columns) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(DOMAIN);
    field(out, table);
    for (String column : columns) {
      field(out, column);
    }
    return out.toByteArray();
  }

  private static void field(ByteArrayOutputStream out, String value) {
    if (value == null) {
      length(out, -1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    length(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void length(ByteArrayOutputStream out, int length) {
    out.write(length >>> 24);
    out.write(length >>> 16);
    out.write(length >>> 8);
    out.write(length);
  }
}
