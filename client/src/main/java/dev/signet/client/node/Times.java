package dev.signet.client.node;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Dates as kubeadm prints them: {@code Jan 02, 2006 15:04 UTC}. */
public final class Times {
  private static final DateTimeFormatter KUBEADM =
      DateTimeFormatter.ofPattern("MMM dd, yyyy HH:mm 'UTC'", Locale.US).withZone(ZoneOffset.UTC);

  private Times() {}

  public static String format(Instant instant) {
    return KUBEADM.format(instant);
  }
}
