package dev.signet.server.issuance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.signet.server.profile.Profile;
import java.util.List;

/**
 * Any bytes as a CSR: the parser and validator either accept them (a key Signet allows, a valid
 * self-signature) or refuse them with INVALID_ARGUMENT's exception, and nothing else. Without
 * JAZZER_FUZZ this replays {@code CsrParserFuzzTestInputs/} (seeds and every reproducer of a fixed
 * finding); with JAZZER_FUZZ=1 it fuzzes (see the README's Fuzzing section).
 */
class CsrParserFuzzTest {
  private static final List<Profile> PROFILES =
      List.of(Profile.KUBELET_CLIENT, Profile.KUBELET_SERVING, Profile.SIGNET_API_CLIENT);

  private final CsrParser parser = new CsrParser();

  @FuzzTest(maxDuration = "10m")
  void anyBytesAreAcceptedOrRefusedAsInvalid(byte[] der) {
    for (Profile profile : PROFILES) {
      try {
        CsrParser.ValidatedCsr csr = parser.parse(der, profile);
        assertTrue(der.length <= CsrParser.MAX_CSR_BYTES, "an oversized CSR was accepted");
        assertTrue(csr.sha256().length == 32, "the CSR's digest is kept");
      } catch (IssuanceException.InvalidRequest refused) {
        assertTrue(
            refused.getMessage() != null && !refused.getMessage().isEmpty(),
            "every refusal says why");
      }
    }
  }
}
