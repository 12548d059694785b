package dev.signet.common.audit;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The witness format: one signed checkpoint as one line of JSON, self-contained, so that it can be
 * kept outside the ledger (a file on another host, a SIEM, a transparency log) and checked later
 * with nothing but the audit key's public key or the signet-api CA bundle. Fields, in this order:
 *
 * <ul>
 *   <li>{@code format}: {@value CheckpointStatement#FORMAT};
 *   <li>{@code number}, {@code seq}, {@code eventHash}, {@code previousHash}, {@code at} (ISO-8601
 *       UTC with milliseconds), {@code kind}: the statement (see {@link CheckpointStatement});
 *   <li>{@code statementHash}: SHA-256 of the statement's bytes, hex (the next checkpoint's
 *       previousHash);
 *   <li>{@code keyId}, {@code signatureAlgorithm} (JCA name), {@code signature} (base64): the audit
 *       key's signature over the statement's bytes;
 *   <li>{@code certificates}: base64 DER, the audit key's certificate (issued by the signet-api CA)
 *       first.
 * </ul>
 */
public final class Witness {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
          .build();

  /** A longer line is no witness line (one certificate and a signature fit in a few KiB). */
  public static final int MAX_LINE_CHARS = 64 * 1024;

  /** One line of the witness format, as Jackson maps it. */
  @JsonPropertyOrder({
    "format",
    "number",
    "seq",
    "eventHash",
    "previousHash",
    "at",
    "kind",
    "statementHash",
    "keyId",
    "signatureAlgorithm",
    "signature",
    "certificates"
  })
  record Line(
      String format,
      long number,
      long seq,
      String eventHash,
      String previousHash,
      String at,
      String kind,
      String statementHash,
      String keyId,
      String signatureAlgorithm,
      String signature,
      List<String> certificates) {}

  /** A parsed witness line: the signed checkpoint and the certificates it carries. */
  public record Entry(SignedCheckpoint checkpoint, List<X509Certificate> certificates) {
    public Entry {
      certificates = List.copyOf(certificates);
    }

    /**
     * Checks the signature with the key {@code trust} accepts for it; a WitnessException says why
     * not.
     */
    public void verify(AuditKeyTrust trust) throws WitnessException {
      PublicKey key = trust.keyFor(checkpoint, certificates);
      if (!checkpoint.verifiesUnder(key)) {
        throw new WitnessException(
            "its signature does not verify under the audit key: it was forged or altered");
      }
    }
  }

  private Witness() {}

  /** {@code checkpoint} as one line of JSON (no newline), carrying {@code certificates}. */
  public static String line(SignedCheckpoint checkpoint, List<X509Certificate> certificates) {
    CheckpointStatement statement = checkpoint.statement();
    List<String> encoded = new ArrayList<>();
    for (X509Certificate certificate : certificates) {
      try {
        encoded.add(Base64.getEncoder().encodeToString(certificate.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("an unencodable certificate", e);
      }
    }
    try {
      return JSON.writeValueAsString(
          new Line(
              CheckpointStatement.FORMAT,
              statement.number(),
              statement.seq(),
              statement.eventHash(),
              statement.previousHash(),
              statement.at().toString(),
              statement.kind().id(),
              statement.hash(),
              checkpoint.keyId(),
              checkpoint.signatureAlgorithm(),
              Base64.getEncoder().encodeToString(checkpoint.signature()),
              encoded));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads one line: well-formed JSON of this format, every field present and valid, the stated
   * statementHash that of the statement. The signature is checked by {@link Entry#verify}.
   */
  public static Entry parse(String text) throws WitnessException {
    if (text.length() > MAX_LINE_CHARS) {
      throw new WitnessException("the line is longer than " + MAX_LINE_CHARS + " characters");
    }
    Line line;
    try {
      line = JSON.readValue(text, Line.class);
    } catch (JsonProcessingException e) {
      throw new WitnessException("not a witness line: " + e.getOriginalMessage());
    }
    if (line == null || !CheckpointStatement.FORMAT.equals(line.format())) {
      throw new WitnessException(
          "not a witness line: format must be \"" + CheckpointStatement.FORMAT + "\"");
    }
    try {
      CheckpointStatement statement =
          new CheckpointStatement(
              line.number(),
              line.seq(),
              line.eventHash(),
              line.previousHash(),
              Instant.parse(line.at()),
              CheckpointStatement.Kind.of(line.kind()));
      if (!statement.at().equals(Instant.parse(line.at()))) {
        throw new WitnessException("at has a precision finer than milliseconds");
      }
      if (!statement.hash().equals(line.statementHash())) {
        throw new WitnessException(
            "statementHash is not the SHA-256 of checkpoint " + line.number() + "'s statement");
      }
      SignedCheckpoint checkpoint =
          new SignedCheckpoint(
              statement,
              line.keyId(),
              line.signatureAlgorithm(),
              Base64.getDecoder().decode(line.signature()));
      List<X509Certificate> certificates = new ArrayList<>();
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (String der : line.certificates()) {
        certificates.add(
            (X509Certificate)
                factory.generateCertificate(
                    new ByteArrayInputStream(Base64.getDecoder().decode(der))));
      }
      return new Entry(checkpoint, certificates);
    } catch (IllegalArgumentException | DateTimeParseException | CertificateException e) {
      throw new WitnessException("checkpoint " + line.number() + ": " + e.getMessage());
    }
  }
}
