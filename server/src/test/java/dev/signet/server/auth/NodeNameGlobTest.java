package dev.signet.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeNameGlobTest {
  @ParameterizedTest
  @CsvSource({
    "worker-*, worker-1, true",
    "worker-*, worker-, true",
    "worker-*, worker-1.bank.example, false",
    "worker-*.bank.example, worker-1.bank.example, true",
    "worker-*.bank.example, worker-1.evil.example, false",
    "worker-?, worker-1, true",
    "worker-?, worker-12, false",
    "worker-?, worker-, false",
    "*, cp-1, true",
    "*, cp-1.bank, false",
    "*.*, cp-1.bank, true",
    "cp-*-a, cp-1-b-a, true",
    "cp-*-a, cp-1-b-b, false",
    "cp-1, cp-1, true",
    "cp-1, cp-10, false",
    "a*b*c, abc, true",
    "a*b*c, acb, false",
  })
  void matchesWithinLabels(String pattern, String name, boolean matches) {
    assertEquals(matches, new NodeNameGlob(pattern).matches(name), pattern + " vs " + name);
  }

  /** The regular expression the grant used before: the meaning must not change. */
  @Test
  void agreesWithTheRegularExpressionOnRandomPatternsAndNames() {
    Random random = new Random(42);
    String alphabet = "ab.-";
    String patternAlphabet = "ab.-*?";
    for (int i = 0; i < 20_000; i++) {
      String pattern = randomText(random, patternAlphabet, 8);
      String name = randomText(random, alphabet, 10);
      assertEquals(
          regex(pattern).matcher(name).matches(),
          new NodeNameGlob(pattern).matches(name),
          pattern + " vs " + name);
    }
  }

  /**
   * Many stars and a name that almost matches: exponential for a backtracking regex (the fuzzer's
   * hang), a few thousand steps here. The bound is generous; the old check would not end in years.
   */
  @Test
  void manyStarsAndANearMissEndQuickly() {
    String pattern = "*a".repeat(30) + "*b";
    String name = "a".repeat(60);
    assertTimeoutPreemptively(
        Duration.ofSeconds(30), () -> assertFalse(new NodeNameGlob(pattern).matches(name)));
    assertTrue(new NodeNameGlob(pattern).matches(name + "b"));
  }

  private static Pattern regex(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      regex.append(
          switch (c) {
            case '*' -> "[^.]*";
            case '?' -> "[^.]";
            default -> Pattern.quote(String.valueOf(c));
          });
    }
    return Pattern.compile(regex.toString());
  }

  private static String randomText(Random random, String alphabet, int maxLength) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(maxLength + 1);
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }
}
