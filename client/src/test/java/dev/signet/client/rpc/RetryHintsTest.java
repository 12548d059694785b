package dev.signet.client.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** signetd's retry-after-ms trailer, read from a refusal however it was wrapped. */
class RetryHintsTest {
  @Test
  void theHintOfAResourceExhaustedRefusalIsRead() {
    assertEquals(
        Optional.of(Duration.ofMillis(250)),
        RetryHints.of(wrapped(refusal("250", Status.Code.RESOURCE_EXHAUSTED))));
  }

  @Test
  void otherRefusalsAndBadHintsGiveNone() {
    assertEquals(Optional.empty(), RetryHints.of(refusal("250", Status.Code.UNAVAILABLE)));
    assertEquals(Optional.empty(), RetryHints.of(refusal("soon", Status.Code.RESOURCE_EXHAUSTED)));
    assertEquals(Optional.empty(), RetryHints.of(refusal("-5", Status.Code.RESOURCE_EXHAUSTED)));
    assertEquals(Optional.empty(), RetryHints.of(refusal(null, Status.Code.RESOURCE_EXHAUSTED)));
    assertEquals(
        Optional.of(Duration.ofHours(1)),
        RetryHints.of(refusal("999999999999", Status.Code.RESOURCE_EXHAUSTED)),
        "an absurd hint is capped");
  }

  private static io.grpc.StatusRuntimeException refusal(String millis, Status.Code code) {
    Metadata trailers = new Metadata();
    if (millis != null) {
      trailers.put(RetryHints.RETRY_AFTER_MS, millis);
    }
    return Status.fromCode(code).withDescription("busy").asRuntimeException(trailers);
  }

  private static SignetException wrapped(Throwable cause) {
    return new SignetException(ExitCode.TEMPORARY, "signetd is busy", cause);
  }
}
