package dev.signet.common.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The witness format read as an untrusted file: a line round-trips, every change to a signed field
 * is found, and a file's checkpoints must name each other where they are consecutive.
 */
class WitnessTest {
  private static final String EVENT = "ab".repeat(32);
  private final KeyPair key = generate();
  private final AuditKeyTrust trust = AuditKeyTrust.pinned(key.getPublic());

  private static KeyPair generate() {
    try {
      return KeyAlgorithm.ECDSA_P256.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private SignedCheckpoint sign(CheckpointStatement statement, KeyPair signer) throws Exception {
    Signature signature = Signature.getInstance("SHA256withECDSA");
    signature.initSign(signer.getPrivate());
    signature.update(statement.bytes());
    return new SignedCheckpoint(statement, "k1", "SHA256withECDSA", signature.sign());
  }

  /** Checkpoints 1..count over events 1..count, each naming its predecessor. */
  private List<String> chain(int count) throws Exception {
    List<String> lines = new ArrayList<>();
    String previous = "";
    for (int number = 1; number <= count; number++) {
      CheckpointStatement statement =
          new CheckpointStatement(
              number,
              number,
              EVENT,
              previous,
              Instant.parse("2026-03-01T10:00:00.123Z").plusSeconds(number),
              CheckpointStatement.Kind.PERIODIC);
      lines.add(Witness.line(sign(statement, key), List.of()));
      previous = statement.hash();
    }
    return lines;
  }

  @Test
  void theSignedBytesAreTheDocumentedText() {
    CheckpointStatement statement =
        new CheckpointStatement(
            2,
            7,
            EVENT,
            "cd".repeat(32),
            Instant.parse("2026-03-01T10:00:00.123Z"),
            CheckpointStatement.Kind.SHUTDOWN);
    assertEquals(
        "signet-audit-checkpoint/1\n2\n7\n"
            + EVENT
            + "\n"
            + "cd".repeat(32)
            + "\n1772359200123\nshutdown\n",
        new String(statement.bytes(), StandardCharsets.US_ASCII));
  }

  @Test
  void aLineRoundTripsAndVerifies() throws Exception {
    String line = chain(1).get(0);
    Witness.Entry entry = Witness.parse(line);
    entry.verify(trust);
    assertEquals(1, entry.checkpoint().statement().number());
    assertTrue(line.startsWith("{\"format\":\"signet-audit-checkpoint/1\",\"number\":1,"), line);
    assertEquals(line, Witness.line(entry.checkpoint(), List.of()));
  }

  @Test
  void everyChangeToASignedFieldIsFound() throws Exception {
    String line = chain(1).get(0);
    String changedKind = line.replace("\"kind\":\"periodic\"", "\"kind\":\"shutdown\"");
    WitnessException kind = assertThrows(WitnessException.class, () -> Witness.parse(changedKind));
    assertTrue(kind.getMessage().contains("statementHash is not the SHA-256"), kind.getMessage());

    Witness.Entry resigned = Witness.parse(line.replace("\"keyId\":\"k1\"", "\"keyId\":\"k2\""));
    resigned.verify(trust); // the key id is a name, not signed: the key is what counts
    WitnessException otherKey =
        assertThrows(
            WitnessException.class,
            () -> resigned.verify(AuditKeyTrust.pinned(generate().getPublic())));
    assertTrue(otherKey.getMessage().contains("does not verify"), otherKey.getMessage());
  }

  @Test
  void malformedLinesAreRefusedWithAReason() throws Exception {
    String good = chain(1).get(0);
    for (String bad :
        List.of(
            good.replace("{\"format\"", "{\"extra\":1,\"format\""),
            good.replace(",\"keyId\":\"k1\"", ""),
            "not json",
            "{}",
            "{\"format\":\"something-else/1\"}",
            "[1,2]",
            "x".repeat(Witness.MAX_LINE_CHARS + 1))) {
      assertThrows(WitnessException.class, () -> Witness.parse(bad), bad);
    }
  }

  @Test
  void aFileWithGapsGivesTheNewestOfEachRun() throws Exception {
    List<String> lines = chain(6);
    List<String> gappy =
        List.of(lines.get(4), "", lines.get(0), lines.get(1), lines.get(1), lines.get(5));
    WitnessFile.Verified verified = WitnessFile.verify(gappy, trust);
    assertEquals(4, verified.checkpoints().size());
    assertEquals(
        List.of(2L, 6L), verified.runEnds().stream().map(c -> c.statement().number()).toList());
  }

  @Test
  void consecutiveCheckpointsThatDoNotNameEachOtherAreTwoHistories() throws Exception {
    List<String> first = chain(2);
    CheckpointStatement other =
        new CheckpointStatement(
            2,
            2,
            EVENT,
            "ef".repeat(32),
            Instant.parse("2026-03-01T11:00:00Z"),
            CheckpointStatement.Kind.PERIODIC);
    String forkedLine = Witness.line(sign(other, key), List.of());
    WitnessException fork =
        assertThrows(
            WitnessException.class,
            () -> WitnessFile.verify(List.of(first.get(0), forkedLine), trust));
    assertTrue(fork.getMessage().contains("does not follow checkpoint 1"), fork.getMessage());
    WitnessException twice =
        assertThrows(
            WitnessException.class,
            () -> WitnessFile.verify(List.of(first.get(1), forkedLine), trust));
    assertTrue(twice.getMessage().contains("a second, different checkpoint 2"), twice.getMessage());
    assertThrows(WitnessException.class, () -> WitnessFile.verify(List.of("", " "), trust));
  }
}
