package dev.signet.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.time.Duration;

/**
 * How signetd tells a caller it refused for lack of room to come back later rather than give up:
 * RESOURCE_EXHAUSTED with the trailer {@code retry-after-ms}, the milliseconds after which a retry
 * is likely to find room. Clients add their own jitter (the agent does), so that callers refused
 * together do not return together.
 */
public final class RetryHint {
  /** The trailer that carries the hint, in milliseconds. */
  public static final Metadata.Key<String> RETRY_AFTER_MS =
      Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

  private RetryHint() {}

  /** Closes {@code call} with RESOURCE_EXHAUSTED, {@code why}, and the hint {@code after}. */
  static void refuse(ServerCall<?, ?> call, String why, Duration after) {
    Metadata trailers = new Metadata();
    trailers.put(RETRY_AFTER_MS, Long.toString(after.toMillis()));
    call.close(
        Status.RESOURCE_EXHAUSTED.withDescription(
            why + "; retry after " + after.toMillis() + " ms"),
        trailers);
  }
}
