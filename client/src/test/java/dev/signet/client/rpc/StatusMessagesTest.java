package dev.signet.client.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.common.HostPort;
import io.grpc.Status;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Each gRPC status becomes its documented exit code and a message that says what to do. */
class StatusMessagesTest {
  private static final ConnectionSettings SETTINGS =
      new ConnectionSettings(
          new HostPort("127.0.0.1", 7443),
          Path.of("ca.crt"),
          Path.of("node.crt"),
          Path.of("node.key"),
          Duration.ofSeconds(30));

  private static SignetException failure(Status status) {
    return StatusMessages.failure(status.asRuntimeException(), "apiserver", SETTINGS);
  }

  @Test
  void daemonAnswersMapToTheirExitCodes() {
    assertEquals(
        ExitCode.INVALID_REQUEST,
        failure(Status.INVALID_ARGUMENT.withDescription("node_name 'X': bad")).exitCode());
    assertTrue(
        failure(Status.INVALID_ARGUMENT.withDescription("node_name 'X': bad"))
            .getMessage()
            .contains("node_name 'X': bad"));
    assertEquals(ExitCode.INVALID_REQUEST, failure(Status.ALREADY_EXISTS).exitCode());
    assertEquals(
        ExitCode.DENIED, failure(Status.PERMISSION_DENIED.withDescription("role")).exitCode());
    assertEquals(ExitCode.DENIED, failure(Status.UNAUTHENTICATED).exitCode());
    assertEquals(
        ExitCode.CA_ERROR,
        failure(Status.FAILED_PRECONDITION.withDescription("CA expired")).exitCode());
    assertEquals(
        ExitCode.CA_ERROR, failure(Status.INTERNAL.withDescription("incident 1234")).exitCode());
    assertTrue(
        failure(Status.INTERNAL.withDescription("incident 1234"))
            .getMessage()
            .contains("incident 1234"));
    assertEquals(ExitCode.TEMPORARY, failure(Status.RESOURCE_EXHAUSTED).exitCode());
    assertEquals(ExitCode.TEMPORARY, failure(Status.DEADLINE_EXCEEDED).exitCode());
    assertEquals(
        ExitCode.TEMPORARY,
        failure(Status.UNAVAILABLE.withDescription("token unavailable")).exitCode());
  }

  @Test
  void transportFailuresAreUnreachableWithAHint() {
    SignetException refused =
        failure(
            Status.UNAVAILABLE.withCause(
                new ConnectException("finishConnect(..) failed: Connection refused")));
    assertEquals(ExitCode.UNREACHABLE, refused.exitCode());
    assertTrue(
        refused.getMessage().contains("cannot reach signetd at 127.0.0.1:7443: connection refused"),
        refused.getMessage());

    SignetException untrusted =
        failure(
            Status.UNAVAILABLE.withCause(
                new SSLHandshakeException(
                    "PKIX path building failed: unable to find valid certification path")));
    assertEquals(ExitCode.UNREACHABLE, untrusted.exitCode());
    assertTrue(
        untrusted.getMessage().contains("not signed by the CA in --ca-bundle ca.crt"),
        untrusted.getMessage());

    SignetException expired =
        failure(
            Status.UNAVAILABLE.withCause(
                new SSLHandshakeException(
                    "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed")));
    assertTrue(
        expired.getMessage().contains("signetd's certificate has expired or is not yet valid"),
        expired.getMessage());

    SignetException rejected =
        failure(
            Status.UNAVAILABLE.withCause(
                new SSLHandshakeException(
                    "SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED")));
    assertTrue(
        rejected.getMessage().contains("signetd refused this caller's credential node.crt"),
        rejected.getMessage());
  }
}
