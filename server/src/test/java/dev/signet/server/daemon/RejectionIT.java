package dev.signet.server.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.IssueAdminRequest;
import dev.signet.api.v1.IssueApiserverRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.HostileCsrs;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.LedgerRows;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input over the real API: the precise status, a message a person can act on (no stack trace,
 * no class names), and nothing signed or recorded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RejectionIT {
  private TestDaemon daemon;
  private ApiClient client;
  private LedgerRows ledger;

  @BeforeAll
  void startDaemon() throws Exception {
    daemon = TestDaemon.start("rejection", new DaemonConfig());
    client = daemon.operator();
    ledger = daemon.ledger();
  }

  @AfterAll
  void stopDaemon() throws Exception {
    daemon.close();
  }

  static Stream<Arguments> hostileCsrs() {
    return Stream.of(
        Arguments.of(
            "bad signature", (Supplier<byte[]>) HostileCsrs::badSignature, "does not verify"),
        Arguments.of(
            "truncated DER",
            (Supplier<byte[]>) HostileCsrs::truncated,
            "not a well-formed PKCS#10"),
        Arguments.of(
            "trailing garbage",
            (Supplier<byte[]>) HostileCsrs::trailingGarbage,
            "not a well-formed PKCS#10"),
        Arguments.of("RSA-1024", (Supplier<byte[]>) HostileCsrs::rsa1024, "RSA with 1024 bits"),
        Arguments.of("RSA e=3", (Supplier<byte[]>) HostileCsrs::rsaExponent3, "exponent 3"),
        Arguments.of("secp256k1", (Supplier<byte[]>) HostileCsrs::secp256k1, "secp256k1"),
        Arguments.of("DSA", (Supplier<byte[]>) HostileCsrs::dsa, "signed with algorithm"),
        Arguments.of("Ed25519", (Supplier<byte[]>) HostileCsrs::ed25519, "signed with algorithm"),
        Arguments.of("SHA-1", (Supplier<byte[]>) HostileCsrs::sha1Rsa, "signed with algorithm"),
        Arguments.of("CA:TRUE", (Supplier<byte[]>) HostileCsrs::askingToBeCa, "CA:TRUE"),
        Arguments.of(
            "extra EKU",
            (Supplier<byte[]>)
                () ->
                    HostileCsrs.askingFor(
                        KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_codeSigning),
            "does not grant"),
        Arguments.of(
            "unknown critical extension",
            (Supplier<byte[]>) HostileCsrs::unknownCriticalExtension,
            "critical extension"),
        Arguments.of(
            "oversized", (Supplier<byte[]>) () -> HostileCsrs.larger(9 * 1024), "at most 8192"),
        Arguments.of("empty", (Supplier<byte[]>) () -> new byte[0], "csr_der is required"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileCsrs")
  void hostileCsrIsRefusedAndNothingIsSigned(String name, Supplier<byte[]> csr, String explanation)
      throws Exception {
    int rowsBefore = ledger.count("1 = 1");
    // made before the stub, whose deadline runs from its creation: generating an RSA key with
    // exponent 3 took 49 s under the first-tier JIT on a busy machine
    IssueKubeletClientRequest request =
        IssueKubeletClientRequest.newBuilder()
            .setNodeName("worker-1")
            .setCsrDer(ByteString.copyFrom(csr.get()))
            .build();
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class, () -> client.issuance().issueKubeletClient(request));
    assertInvalidArgument(refused, explanation);
    assertEquals(rowsBefore, ledger.count("1 = 1"), "no intent, no certificate recorded");
  }

  @Test
  void invalidTypedInputsAreRefusedWithTheFieldNamed() throws Exception {
    int rowsBefore = ledger.count("1 = 1");
    ByteString csr = Keys.csrBytes(Keys.ec());
    assertInvalidArgument(
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client
                    .issuance()
                    .issueKubeletClient(
                        IssueKubeletClientRequest.newBuilder()
                            .setNodeName("Worker_1")
                            .setCsrDer(csr)
                            .build())),
        "node_name 'Worker_1'");
    assertInvalidArgument(
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client
                    .issuance()
                    .issueKubeletServing(
                        IssueKubeletServingRequest.newBuilder()
                            .setNodeName("worker-1")
                            .addAddresses("*.example.test")
                            .setCsrDer(csr)
                            .build())),
        "wildcards");
    assertInvalidArgument(
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client
                    .issuance()
                    .issueApiserver(
                        IssueApiserverRequest.newBuilder()
                            .setNodeName("cp-1")
                            .setAdvertiseAddress("cp-1.example.test")
                            .setCsrDer(csr)
                            .build())),
        "advertise_address");
    assertInvalidArgument(
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client
                    .issuance()
                    .issueAdmin(
                        IssueAdminRequest.newBuilder()
                            .setRequestId("no spaces allowed")
                            .setCsrDer(csr)
                            .build())),
        "request_id");
    assertEquals(rowsBefore, ledger.count("1 = 1"));
  }

  @Test
  void aRetryWithTheSameRequestIdGetsTheSameCertificateAndADifferentRequestIsRefused()
      throws Exception {
    IssueAdminRequest request =
        IssueAdminRequest.newBuilder()
            .setRequestId("retry-1")
            .setCsrDer(Keys.csrBytes(Keys.ec()))
            .build();
    var first = client.issuance().issueAdmin(request);
    var again = client.issuance().issueAdmin(request);
    assertEquals(first.getCertificateDer(), again.getCertificateDer(), "no second signature");
    assertEquals(1, ledger.count("request_id = 'retry-1'"));

    StatusRuntimeException conflict =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client
                    .issuance()
                    .issueAdmin(request.toBuilder().setCsrDer(Keys.csrBytes(Keys.ec())).build()));
    assertEquals(Status.Code.ALREADY_EXISTS, conflict.getStatus().getCode());
    assertTrue(conflict.getStatus().getDescription().contains("retry-1"));
  }

  @Test
  void aMessageOverTheSizeLimitIsRefusedBeforeItIsRead() throws Exception {
    int rowsBefore = ledger.count("1 = 1");
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                client
                    .issuance()
                    .issueAdmin(
                        IssueAdminRequest.newBuilder()
                            .setCsrDer(ByteString.copyFrom(new byte[200 * 1024]))
                            .build()));
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getMessage());
    assertEquals(rowsBefore, ledger.count("1 = 1"));
  }

  private static void assertInvalidArgument(StatusRuntimeException refused, String explanation) {
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.getMessage());
    String description = refused.getStatus().getDescription();
    assertTrue(
        description.contains(explanation), "'" + description + "' should explain: " + explanation);
    assertFalse(
        description.contains("Exception") || description.contains("\tat "),
        "no Java internals: " + description);
  }
}
