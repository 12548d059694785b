package dev.signet.server.enrollment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.CreateBootstrapTokenResponse;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.JoinRequest;
import dev.signet.api.v1.JoinResponse;
import dev.signet.api.v1.Role;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Pem;
import dev.signet.server.support.LogEvent;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import dev.signet.server.x509.X509;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How a new node gets its first credential: a provisioner's single-use token, spent over
 * server-authenticated TLS on the enrollment port. Real daemon, real TLS, real ledger.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BootstrapTokenIT {
  private static final String BAD_TOKEN = "the bootstrap token is invalid, expired or already used";

  private TestDaemon daemon;
  private ApiClient provisioner;
  private ApiClient enrollment;

  @BeforeAll
  void start() throws Exception {
    // room for the 32-thread race, which must meet the token, not the enrollment call limit
    daemon =
        TestDaemon.start(
            "bootstrap",
            new DaemonConfig()
                .enrollmentCalls(64)
                .extra(
                    """
                    authorization:
                      provisioners:
                        node-provisioner:
                          profiles: [kubelet-client, kubelet-serving]
                          unconstrained: true"""));
    provisioner = daemon.connectAs(Role.ROLE_PROVISIONER, "node-provisioner");
    enrollment = daemon.enrollmentClient();
  }

  @AfterAll
  void stop() throws Exception {
    enrollment.close();
    provisioner.close();
    daemon.close();
  }

  @Test
  void aNewNodeJoinsAndUsesItsCredentialForItsOwnCertificatesOnly() throws Exception {
    String token = token("new-1", "new-1.example.test", "192.0.2.31").getToken();
    KeyPair credentialKeys = Keys.ec();
    Logger calls = Logger.getLogger("dev.signet.server.grpc.ObservedCalls");
    List<LogEvent> logged = new CopyOnWriteArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (record.getParameters() != null
                && record.getParameters()[0] instanceof LogEvent event) {
              logged.add(event);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    calls.addHandler(handler);

    JoinResponse joined;
    Optional<LogEvent> joinLine;
    try {
      joined =
          enrollment
              .bootstrap()
              .join(
                  join(token, "new-1", credentialKeys, "new-1.example.test", "192.0.2.31")
                      .setKubeletClientCsrDer(Keys.csrBytes(Keys.ec()))
                      .setKubeletServingCsrDer(Keys.csrBytes(Keys.ec()))
                      .build());
      // the call is logged once its answer is sent: wait for the line, generously
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        joinLine =
            logged.stream()
                .filter(event -> String.valueOf(event.fields().get("rpc")).endsWith("/Join"))
                .findFirst();
        if (joinLine.isPresent() || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(20);
      }
    } finally {
      calls.removeHandler(handler);
    }

    // the join's one INFO line (the pipeline's own are FINE) names the node and all three serials
    LogEvent line = joinLine.orElseThrow(() -> new AssertionError("no Join line in " + logged));
    assertEquals("new-1", line.fields().get("node"));
    assertEquals(
        joined.getCredential().getSerial()
            + ","
            + joined.getKubeletClient().getSerial()
            + ","
            + joined.getKubeletServing().getSerial(),
        line.fields().get("serial"));

    X509Certificate credential =
        X509.parse(joined.getCredential().getCertificateDer().toByteArray());
    X500Name subject = X500Name.getInstance(credential.getSubjectX500Principal().getEncoded());
    assertEquals(List.of("system:node:new-1"), X509.attributeValues(subject, BCStyle.CN));
    assertEquals(List.of("signet:node"), X509.attributeValues(subject, BCStyle.O));
    assertEquals(List.of("1.3.6.1.5.5.7.3.2"), credential.getExtendedKeyUsage());
    X509Certificate kubeletServing =
        X509.parse(joined.getKubeletServing().getCertificateDer().toByteArray());
    assertEquals(2, kubeletServing.getSubjectAlternativeNames().size());
    assertEquals(
        "system:node:new-1",
        X509.attributeValues(
                X500Name.getInstance(
                    X509.parse(joined.getKubeletClient().getCertificateDer().toByteArray())
                        .getSubjectX500Principal()
                        .getEncoded()),
                BCStyle.CN)
            .get(0));

    try (ApiClient node = connectWith(joined, credentialKeys)) {
      node.issuance()
          .issueKubeletServing(
              IssueKubeletServingRequest.newBuilder()
                  .setCsrDer(Keys.csrBytes(Keys.ec()))
                  .setNodeName("new-1")
                  .addAddresses("192.0.2.31")
                  .build());
      StatusRuntimeException denied =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  node.issuance()
                      .issueKubeletServing(
                          IssueKubeletServingRequest.newBuilder()
                              .setCsrDer(Keys.csrBytes(Keys.ec()))
                              .setNodeName("new-1")
                              .addAddresses("192.0.2.32")
                              .build()));
      assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
    }
  }

  @Test
  void aTokenWorksOnceAndARetryOfTheSameJoinGetsTheSameAnswer() throws Exception {
    String token = token("once-1", "192.0.2.41").getToken();
    KeyPair keys = Keys.ec();
    JoinRequest request = join(token, "once-1", keys, "192.0.2.41").build();

    JoinResponse first = enrollment.bootstrap().join(request);
    JoinResponse retried = enrollment.bootstrap().join(request);
    assertEquals(
        first.getCredential().getCertificateDer(),
        retried.getCredential().getCertificateDer(),
        "a lost answer can be fetched again, without a second certificate");

    assertUnauthenticated(
        () -> enrollment.bootstrap().join(join(token, "once-1", Keys.ec(), "192.0.2.41").build()));
    assertEquals(
        1,
        daemon
            .ledger()
            .count("profile = 'signet-api-client' AND subject LIKE '%system:node:once-1%'"));
  }

  @Test
  void expiredUnknownMalformedAndWrongSecretTokensAreRefusedAlike() throws Exception {
    CreateBootstrapTokenResponse shortLived =
        provisioner
            .credentials()
            .createBootstrapToken(
                CreateBootstrapTokenRequest.newBuilder()
                    .setNodeName("late-1")
                    .addAddresses("192.0.2.51")
                    .setTtl(Duration.newBuilder().setSeconds(1))
                    .build());
    Thread.sleep(1_500);
    String id = shortLived.getTokenId();
    List<String> bad =
        List.of(
            shortLived.getToken(),
            "abcdefgh." + "a".repeat(32),
            "not-a-token",
            id + "." + "b".repeat(32));
    for (String token : bad) {
      assertUnauthenticated(
          () ->
              enrollment.bootstrap().join(join(token, "late-1", Keys.ec(), "192.0.2.51").build()));
    }
    assertEquals(
        1,
        daemon.ledger().awaitAuditCount("token_id = '" + id + "' AND reason = 'TOKEN_EXPIRED'", 1));
    assertEquals(
        1,
        daemon
            .ledger()
            .awaitAuditCount("token_id = '" + id + "' AND reason = 'TOKEN_WRONG_SECRET'", 1));
    assertEquals(
        1,
        daemon.ledger().awaitAuditCount("token_id = 'abcdefgh' AND reason = 'TOKEN_UNKNOWN'", 1));
    assertTrue(daemon.ledger().awaitAuditCount("reason = 'TOKEN_MALFORMED'", 1) >= 1);
  }

  @Test
  void thirtyTwoConcurrentJoinsWithOneTokenYieldExactlyOneSuccess() throws Exception {
    String token = token("race-1", "192.0.2.61").getToken();
    List<JoinRequest> requests = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      requests.add(join(token, "race-1", Keys.ec(), "192.0.2.61").build());
    }
    ExecutorService threads = Executors.newFixedThreadPool(32);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Status.Code>> outcomes = new ArrayList<>();
    for (JoinRequest request : requests) {
      outcomes.add(
          threads.submit(
              () -> {
                start.await();
                try {
                  enrollment.bootstrap().join(request);
                  return Status.Code.OK;
                } catch (StatusRuntimeException e) {
                  return e.getStatus().getCode();
                }
              }));
    }
    start.countDown();
    int successes = 0;
    for (Future<Status.Code> outcome : outcomes) {
      Status.Code code = outcome.get();
      if (code == Status.Code.OK) {
        successes++;
      } else {
        assertEquals(Status.Code.UNAUTHENTICATED, code);
      }
    }
    threads.shutdown();
    assertEquals(1, successes, "exactly one of 32 concurrent uses wins");
    assertEquals(
        1,
        daemon
            .ledger()
            .count("profile = 'signet-api-client' AND subject LIKE '%system:node:race-1%'"));
  }

  @Test
  void aJoinForAnotherNodeOrAddressIsDeniedAndDoesNotSpendTheToken() throws Exception {
    String token = token("careful-1", "192.0.2.71").getToken();
    assertEquals(
        Status.Code.PERMISSION_DENIED,
        code(
            () ->
                enrollment
                    .bootstrap()
                    .join(join(token, "careful-2", Keys.ec(), "192.0.2.71").build())));
    assertEquals(
        Status.Code.PERMISSION_DENIED,
        code(
            () ->
                enrollment
                    .bootstrap()
                    .join(join(token, "careful-1", Keys.ec(), "192.0.2.72").build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        code(
            () ->
                enrollment
                    .bootstrap()
                    .join(
                        join(token, "careful-1", Keys.ec(), "192.0.2.71")
                            .setCredentialCsrDer(ByteString.copyFrom(new byte[] {0x30, 0x00}))
                            .build())));

    enrollment.bootstrap().join(join(token, "careful-1", Keys.ec(), "192.0.2.71").build());
  }

  @Test
  void tokenLifetimesAreBoundedAndSecretsAreNeverStored() throws Exception {
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        code(
            () ->
                provisioner
                    .credentials()
                    .createBootstrapToken(
                        CreateBootstrapTokenRequest.newBuilder()
                            .setNodeName("long-1")
                            .addAddresses("192.0.2.81")
                            .setTtl(Duration.newBuilder().setSeconds(25 * 3600))
                            .build())));

    Instant before = Instant.now();
    CreateBootstrapTokenResponse created = token("default-1", "192.0.2.82");
    long lifetime = created.getExpiresAt().getSeconds() - before.getEpochSecond();
    assertTrue(lifetime >= 3599 && lifetime <= 3601, "default one hour, was " + lifetime + " s");

    String secret = created.getToken().substring(created.getToken().indexOf('.') + 1);
    assertEquals(
        0, rowsContaining("bootstrap_tokens", secret), "only a hash of the secret is stored");
    assertEquals(0, rowsContaining("audit_events", secret), "the secret is never audited");
    assertEquals(
        1,
        daemon
            .ledger()
            .auditCount(
                "token_id = '"
                    + created.getTokenId()
                    + "' AND reason = 'TOKEN_CREATED' AND caller = 'node-provisioner'"));
  }

  private CreateBootstrapTokenResponse token(String node, String... addresses) {
    return provisioner
        .credentials()
        .createBootstrapToken(
            CreateBootstrapTokenRequest.newBuilder()
                .setNodeName(node)
                .addAllAddresses(List.of(addresses))
                .build());
  }

  private static JoinRequest.Builder join(
      String token, String node, KeyPair keys, String... addresses) {
    return JoinRequest.newBuilder()
        .setToken(token)
        .setNodeName(node)
        .addAllAddresses(List.of(addresses))
        .setCredentialCsrDer(Keys.csrBytes(keys));
  }

  private ApiClient connectWith(JoinResponse joined, KeyPair keys) throws Exception {
    Path directory = Files.createTempDirectory("joined");
    AtomicFiles.write(
        directory.resolve("node.crt"),
        Pem.certificate(joined.getCredential().getCertificateDer().toByteArray())
            .getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
    AtomicFiles.write(directory.resolve("node.key"), Pem.privateKey(keys), AtomicFiles.SECRET);
    return ApiClient.connect(
        daemon.port(),
        daemon.operatorDirectory().resolve("ca.crt"),
        directory.resolve("node.crt"),
        directory.resolve("node.key"));
  }

  private static void assertUnauthenticated(Runnable join) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, join::run);
    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), refused.getMessage());
    assertEquals(BAD_TOKEN, refused.getStatus().getDescription(), "no detail that helps guessing");
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /** Rows of a table in which any text column contains {@code needle}. */
  private int rowsContaining(String table, String needle) throws Exception {
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + daemon.directory().resolve("ledger.db"));
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT * FROM " + table)) {
      int found = 0;
      while (rows.next()) {
        for (int column = 1; column <= rows.getMetaData().getColumnCount(); column++) {
          Object value = rows.getObject(column);
          if (value != null && String.valueOf(value).contains(needle)) {
            found++;
          }
        }
      }
      return found;
    }
  }
}
