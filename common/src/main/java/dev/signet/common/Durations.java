package dev.signet.common;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written the way Kubernetes and Go tools write them: {@code 8760h}, {@code 90m}, {@code
 * 1h30m}, {@code 45s}; plus {@code d} for days (24 h), which certificate lifetimes need.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");

  private Durations() {}

  public static Duration parse(String text) {
    String trimmed = text.trim();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher matcher = PART.matcher(trimmed);
    Duration total = Duration.ZERO;
    int position = 0;
    while (matcher.lookingAt()) {
      long amount = Long.parseLong(matcher.group(1));
      total =
          total.plus(
              switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "d" -> Duration.ofDays(amount);
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
              });
      position = matcher.end();
      matcher.region(position, trimmed.length());
    }
    if (position != trimmed.length()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration such as 8760h, 30m, 1h30m, 90s or 30d");
    }
    return total;
  }

  /**
   * A short human form like kubeadm prints residual times: {@code 364d}, {@code 9y}, {@code 5h}.
   */
  public static String humanShort(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds < 0) {
      return "expired";
    }
    long days = seconds / 86400;
    if (days >= 365 * 2) {
      return days / 365 + "y";
    }
    if (days >= 2) {
      return days + "d";
    }
    long hours = seconds / 3600;
    if (hours >= 2) {
      return hours + "h";
    }
    long minutes = seconds / 60;
    if (minutes >= 2) {
      return minutes + "m";
    }
    return seconds + "s";
  }
}
