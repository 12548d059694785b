package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves that {@link Durations#parse} reads Go/Kubernetes-style durations (plus days) and nothing
 * looser, and that {@link Durations#humanShort} prints residual times the way kubeadm does.
 */
class DurationsTest {

  static Stream<Arguments> valid() {
    return Stream.of(
        Arguments.of("8760h", Duration.ofDays(365)),
        Arguments.of("30m", Duration.ofMinutes(30)),
        Arguments.of("1h30m", Duration.ofMinutes(90)),
        Arguments.of("90s", Duration.ofSeconds(90)),
        Arguments.of("30d", Duration.ofHours(30 * 24)),
        Arguments.of("500ms", Duration.ofMillis(500)),
        Arguments.of("1d12h", Duration.ofHours(36)),
        Arguments.of("2m30s", Duration.ofSeconds(150)),
        Arguments.of("1s500ms", Duration.ofMillis(1500)),
        Arguments.of("0s", Duration.ZERO),
        Arguments.of(" 5m ", Duration.ofMinutes(5)));
  }

  @ParameterizedTest
  @MethodSource("valid")
  void parsesDurationsWrittenTheKubernetesWay(String text, Duration expected) {
    assertEquals(expected, Durations.parse(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "   ", "10", "h", "1y", "-5m", "1.5h", "5 m", "5M", "1h 30m", "m5", "1h30", "P1D"
      })
  void rejectsAnythingElse(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertTrue(!e.getMessage().isBlank());
  }

  @Test
  void errorMessageQuotesTheInputAndShowsExamples() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("1y"));

    assertTrue(e.getMessage().contains("'1y'"), e.getMessage());
    assertTrue(e.getMessage().contains("8760h"), e.getMessage());
  }

  static Stream<Arguments> human() {
    return Stream.of(
        // a certificate of 1 year checked one day after issuance
        Arguments.of(Duration.ofDays(364), "364d"),
        // a 10-year CA one day into its life: whole years, rounded down
        Arguments.of(Duration.ofDays(3650).minusDays(1), "9y"),
        Arguments.of(Duration.ofDays(730), "2y"),
        Arguments.of(Duration.ofDays(729), "729d"),
        Arguments.of(Duration.ofDays(2), "2d"),
        Arguments.of(Duration.ofHours(47), "47h"),
        Arguments.of(Duration.ofHours(5).plusMinutes(59), "5h"),
        Arguments.of(Duration.ofMinutes(119), "119m"),
        Arguments.of(Duration.ofSeconds(119), "119s"),
        Arguments.of(Duration.ZERO, "0s"),
        Arguments.of(Duration.ofSeconds(-1), "expired"),
        Arguments.of(Duration.ofDays(-400), "expired"));
  }

  @ParameterizedTest
  @MethodSource("human")
  void humanShortPrintsTheLargestUnitThatFitsTwice(Duration duration, String expected) {
    assertEquals(expected, Durations.humanShort(duration));
  }
}
