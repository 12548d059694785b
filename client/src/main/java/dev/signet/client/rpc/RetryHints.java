package dev.signet.client.rpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;

/**
 * The hint signetd gives with RESOURCE_EXHAUSTED when it refused for lack of room: the trailer
 * {@code retry-after-ms}, after which a retry is likely to find room.
 */
public final class RetryHints {
  static final Metadata.Key<String> RETRY_AFTER_MS =
      Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

  /** Hints beyond this are taken as this: a hint only spreads retries, it does not stop them. */
  private static final Duration LONGEST = Duration.ofHours(1);

  private RetryHints() {}

  /** The hint of the refusal {@code failure} (or one of its causes) carries, if any. */
  public static Optional<Duration> of(Throwable failure) {
    for (Throwable e = failure; e != null; e = e.getCause()) {
      if (e instanceof StatusRuntimeException refusal
          && refusal.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
          && refusal.getTrailers() != null) {
        String millis = refusal.getTrailers().get(RETRY_AFTER_MS);
        if (millis == null) {
          return Optional.empty();
        }
        try {
          long value = Long.parseLong(millis.trim());
          return value < 0
              ? Optional.empty()
              : Optional.of(Duration.ofMillis(Math.min(value, LONGEST.toMillis())));
        } catch (NumberFormatException notANumber) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
