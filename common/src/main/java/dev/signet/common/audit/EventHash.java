package dev.signet.common.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The hash that chains audit events: SHA-256 over the previous event's hash, the sequence number,
 * the time in milliseconds since the epoch (both as decimal text) and the event's text fields in
 * their order (caller, caller role, action, profile, node name, decision, reason, detail, serial,
 * request id, token id), each UTF-8 and preceded by its length as four bytes, big-endian, so that
 * no two different events encode alike. The first event's previous hash is the empty string.
 */
public final class EventHash {
  private EventHash() {}

  /** The hash, lowercase hex. */
  public static String of(String previousHash, long seq, long atMillis, List<String> fields) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    field(bytes, previousHash);
    field(bytes, Long.toString(seq));
    field(bytes, Long.toString(atMillis));
    for (String value : fields) {
      field(bytes, value);
    }
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void field(ByteArrayOutputStream out, String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.write(utf8.length >>> 24);
    out.write(utf8.length >>> 16);
    out.write(utf8.length >>> 8);
    out.write(utf8.length);
    out.writeBytes(utf8);
  }
}
