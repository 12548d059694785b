package dev.signet.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.Checkpoint;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.IssueApiCredentialRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.ListAuditEventsRequest;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.Role;
import dev.signet.api.v1.VerifyAuditRequest;
import dev.signet.api.v1.WatchCheckpointsRequest;
import dev.signet.api.v1.WitnessedCheckpoint;
import dev.signet.client.testing.Cli;
import dev.signet.common.Pem;
import dev.signet.server.audit.AuditCheckpointer;
import dev.signet.server.audit.AuditTampering;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The auditor's tools over the API, as an auditor runs them (the CLI in-process, a credential of
 * role auditor) against a real signetd: verify with a witness, export with hashes, list and show
 * certificates; and what the auditor may not do, refused with the exact status. Last, the database
 * is rewritten consistently with every checkpoint deleted, and the daemon restarted, so that it
 * signs the rewritten chain anew: only the witness finds it, and it does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditorIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestDaemon daemon;
  private Path auditorConfig;
  private Path witness;
  private String kept;
  private String revoked;

  @BeforeAll
  void aDaemonWithHistory() throws Exception {
    // the Audit API's follower limit is tried below with one auditor credential, which signetd
    // otherwise admits for 2 calls at a time (limits.maxCallsPerCredential)
    daemon =
        TestDaemon.start(
            "auditor", new DaemonConfig().extra("limits:\n  maxCallsPerCredential: 8"));
    kept = issue("audited-1");
    revoked = issue("audited-1");
    daemon
        .operator()
        .ledger()
        .revoke(
            RevokeRequest.newBuilder()
                .setSerial(revoked)
                .setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE)
                .build());
    Path credential = daemon.credential(Role.ROLE_AUDITOR, "auditor-1");
    auditorConfig = Cli.clientConfig(daemon, credential, credential.resolve("signet.yaml"));
    DaemonProcess.Result export =
        daemon.signetd("audit", "checkpoint", "--export", "-c", daemon.config().toString());
    assertEquals(0, export.exitCode(), export.stderr());
    witness = daemon.directory().resolve("witness.jsonl");
    Files.writeString(witness, export.stdout());
  }

  @AfterAll
  void stop() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  private String issue(String node) {
    IssueCertificateResponse response =
        daemon
            .operator()
            .issuance()
            .issueKubeletClient(
                IssueKubeletClientRequest.newBuilder()
                    .setCsrDer(Keys.csrBytes(Keys.ec()))
                    .setNodeName(node)
                    .build());
    return response.getSerial();
  }

  private Cli.Result auditor(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--config", auditorConfig.toString()));
    return Cli.run(all.toArray(new String[0]));
  }

  @Test
  @Order(1)
  void theAuditorVerifiesTheTrailAndThatTheLedgerExtendsTheWitness() {
    Cli.Result plain = auditor("audit", "verify");
    assertEquals(0, plain.exitCode(), plain.toString());
    assertTrue(plain.out().startsWith("audit trail intact: "), plain.out());

    Cli.Result witnessed = auditor("audit", "verify", "--witness", witness.toString());
    assertEquals(0, witnessed.exitCode(), witnessed.toString());
    assertTrue(
        witnessed.out().contains("the ledger extends every checkpoint of the witness"),
        witnessed.out());
  }

  @Test
  @Order(1)
  void aWitnessLineThatWasAlteredOrForgedIsRefusedBeforeAsking() throws Exception {
    List<String> lines = Files.readAllLines(witness);
    assertWitnessRefused(
        lines,
        line -> line.put("seq", line.get("seq").asLong() + 1),
        "statementHash is not the SHA-256 of checkpoint");
    assertWitnessRefused(
        lines,
        line -> {
          byte[] signature = java.util.Base64.getDecoder().decode(line.get("signature").asText());
          signature[signature.length - 1] ^= 1;
          line.put("signature", java.util.Base64.getEncoder().encodeToString(signature));
        },
        "its signature does not verify under the audit key");
    assertWitnessRefused(
        lines,
        line -> {
          String certificate = line.get("certificates").get(0).asText();
          line.putArray("certificates").add("AAAA" + certificate);
        },
        "witness line 1: checkpoint 1:");
  }

  @Test
  @Order(1)
  void aWitnessLineChecksOutWithOpensslAlone() throws Exception {
    JsonNode line = JSON.readTree(Files.readAllLines(witness).get(0));
    Path directory = Files.createTempDirectory(daemon.directory(), "openssl-");
    // the statement as the README spells it, from the line's fields
    String statement =
        String.join(
            "\n",
            "signet-audit-checkpoint/1",
            line.get("number").asText(),
            line.get("seq").asText(),
            line.get("eventHash").asText(),
            line.get("previousHash").asText(),
            Long.toString(java.time.Instant.parse(line.get("at").asText()).toEpochMilli()),
            line.get("kind").asText(),
            "");
    Files.writeString(directory.resolve("statement"), statement, StandardCharsets.US_ASCII);
    Files.write(
        directory.resolve("audit.der"),
        java.util.Base64.getDecoder().decode(line.get("certificates").get(0).asText()));
    Files.write(
        directory.resolve("signature.der"),
        java.util.Base64.getDecoder().decode(line.get("signature").asText()));
    openssl(directory, "x509", "-inform", "DER", "-in", "audit.der", "-out", "audit.pem");
    assertTrue(
        openssl(
                directory,
                "verify",
                "-CAfile",
                daemon.operatorDirectory().resolve("ca.crt").toString(),
                "audit.pem")
            .contains("audit.pem: OK"));
    Files.writeString(
        directory.resolve("audit.pub"),
        openssl(directory, "x509", "-in", "audit.pem", "-pubkey", "-noout"));
    assertTrue(
        openssl(
                directory,
                "dgst",
                "-sha256",
                "-verify",
                "audit.pub",
                "-signature",
                "signature.der",
                "statement")
            .contains("Verified OK"));
    assertTrue(
        openssl(directory, "dgst", "-sha256", "statement")
            .contains(line.get("statementHash").asText()));

    Files.writeString(
        directory.resolve("statement"),
        statement.replace(line.get("kind").asText() + "\n", "requested\n"),
        StandardCharsets.US_ASCII);
    Process altered =
        new ProcessBuilder(
                "openssl",
                "dgst",
                "-sha256",
                "-verify",
                "audit.pub",
                "-signature",
                "signature.der",
                "statement")
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .start();
    String said = new String(altered.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, altered.waitFor(), said);
    assertTrue(said.contains("Verification failure"), said);
  }

  /** Runs openssl in {@code directory}; its output, or a failed assertion. */
  private static String openssl(Path directory, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor(), command + ": " + out);
    return out;
  }

  private void assertWitnessRefused(List<String> lines, Consumer<ObjectNode> change, String why)
      throws Exception {
    ObjectNode first = (ObjectNode) JSON.readTree(lines.get(0));
    change.accept(first);
    List<String> altered = new ArrayList<>(lines);
    altered.set(0, JSON.writeValueAsString(first));
    Path file = Files.createTempFile(daemon.directory(), "witness-", ".jsonl");
    Files.write(file, altered);
    Cli.Result result = auditor("audit", "verify", "--witness", file.toString());
    assertEquals(9, result.exitCode(), result.toString());
    assertTrue(result.err().contains("does not verify"), result.toString());
    assertTrue(result.err().contains(why), "'" + why + "' in " + result);
  }

  @Test
  @Order(1)
  void theAuditorExportsEventsWithHashesThatChainAsTheReadmeSays() throws Exception {
    Cli.Result all = auditor("audit", "export", "--since", "0", "-o", "jsonl");
    assertEquals(0, all.exitCode(), all.toString());
    List<String> lines = all.out().lines().toList();
    assertTrue(lines.size() >= 8, all.out());
    String previous = "";
    long seq = 0;
    for (String line : lines) {
      JsonNode event = JSON.readTree(line);
      assertEquals(++seq, event.get("seq").asLong(), line);
      assertEquals(previous, event.get("previousHash").asText(), line);
      assertEquals(readmeHash(event), event.get("hash").asText(), line);
      previous = event.get("hash").asText();
    }
    assertTrue(
        lines.stream().anyMatch(line -> line.contains("\"serial\":\"" + revoked + "\"")),
        "the revocation is in the trail");

    Cli.Result since = auditor("audit", "export", "--since", "3", "-o", "jsonl");
    assertEquals(0, since.exitCode(), since.toString());
    assertEquals(lines.subList(3, lines.size()), since.out().lines().toList());

    Cli.Result table = auditor("audit", "export", "-o", "table");
    assertEquals(2, table.exitCode(), table.toString());
  }

  /**
   * The chain hash as the README defines it, written here from that text alone: SHA-256 over the
   * previous hash, seq, the time in milliseconds and the eleven text fields, each UTF-8 with a
   * four-byte big-endian length before it.
   */
  private static String readmeHash(JsonNode event) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<String> fields = new ArrayList<>();
    fields.add(event.get("previousHash").asText());
    fields.add(event.get("seq").asText());
    fields.add(Long.toString(java.time.Instant.parse(event.get("at").asText()).toEpochMilli()));
    for (String name :
        List.of(
            "caller",
            "callerRole",
            "action",
            "profile",
            "nodeName",
            "decision",
            "reason",
            "detail",
            "serial",
            "requestId",
            "tokenId")) {
      fields.add(event.get(name).asText());
    }
    for (String field : fields) {
      byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
      bytes.write(java.nio.ByteBuffer.allocate(4).putInt(utf8.length).array());
      bytes.write(utf8);
    }
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
  }

  @Test
  @Order(1)
  void theAuditorListsCertificatesByNodeStateAndExpiry() throws Exception {
    JsonNode onNode = json(auditor("certificates", "list", "--node", "audited-1", "-o", "json"));
    assertEquals(List.of(kept, revoked).stream().sorted().toList(), serials(onNode));

    JsonNode revokedOnly =
        json(
            auditor(
                "certificates", "list", "--node", "audited-1", "--state", "revoked", "-o", "json"));
    assertEquals(List.of(revoked), serials(revokedOnly));
    assertEquals("key-compromise", revokedOnly.get(0).get("revocationReason").asText());

    JsonNode issued =
        json(
            auditor(
                "certificates",
                "list",
                "--profile",
                "kubelet-client",
                "--state",
                "issued",
                "-o",
                "json"));
    assertTrue(serials(issued).contains(kept), issued.toString());

    JsonNode soon = json(auditor("certificates", "list", "--expiring-within", "1h", "-o", "json"));
    assertEquals(0, soon.size(), "every certificate lives a year: " + soon);

    Cli.Result table = auditor("certificates", "list", "--node", "audited-1");
    assertEquals(0, table.exitCode(), table.toString());
    assertTrue(table.out().startsWith("SERIAL"), table.out());
    assertTrue(table.out().contains(revoked) && table.out().contains("revoked"), table.out());

    Cli.Result badState = auditor("certificates", "list", "--state", "lost");
    assertEquals(2, badState.exitCode(), badState.toString());
  }

  @Test
  @Order(1)
  void theAuditorShowsOneCertificateWithItsPemAndRevocation() throws Exception {
    Cli.Result show = auditor("certificates", "show", revoked);
    assertEquals(0, show.exitCode(), show.toString());
    assertTrue(show.out().contains("state:             revoked"), show.out());
    assertTrue(show.out().contains("caller:            operator"), show.out());
    assertTrue(show.out().contains("revocationReason:  key-compromise"), show.out());
    assertTrue(show.out().contains("requestId:"), show.out());
    X509Certificate certificate =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(
                    new ByteArrayInputStream(Pem.readCertificates(show.out()).get(0)));
    assertEquals(new BigInteger(revoked, 16), certificate.getSerialNumber());

    JsonNode json = json(auditor("certificates", "show", kept, "-o", "json"));
    assertEquals("issued", json.get("state").asText());
    assertTrue(json.get("revokedAt").isNull(), json.toString());
    assertTrue(json.get("pem").asText().startsWith("-----BEGIN CERTIFICATE-----"), json.toString());

    Cli.Result unknown = auditor("certificates", "show", "0badc0de");
    assertEquals(5, unknown.exitCode(), unknown.toString());
  }

  @Test
  @Order(1)
  void theAuditorCannotIssueRevokeCreateTokensOrCredentials() throws Exception {
    Path credential = daemon.credential(Role.ROLE_AUDITOR, "auditor-2");
    try (ApiClient api =
        ApiClient.connect(
            daemon.port(),
            daemon.operatorDirectory().resolve("ca.crt"),
            credential.resolve("client.crt"),
            credential.resolve("client.key"))) {
      int certificates = daemon.ledger().count("1 = 1");
      assertDenied(
          () ->
              api.issuance()
                  .issueKubeletClient(
                      IssueKubeletClientRequest.newBuilder()
                          .setCsrDer(Keys.csrBytes(Keys.ec()))
                          .setNodeName("audited-1")
                          .build()));
      assertDenied(() -> api.ledger().revoke(RevokeRequest.newBuilder().setSerial(kept).build()));
      assertDenied(
          () ->
              api.credentials()
                  .createBootstrapToken(
                      CreateBootstrapTokenRequest.newBuilder()
                          .setNodeName("audited-9")
                          .addAddresses("192.0.2.9")
                          .build()));
      assertDenied(
          () ->
              api.credentials()
                  .issueApiCredential(
                      IssueApiCredentialRequest.newBuilder()
                          .setCsrDer(Keys.csrBytes(Keys.ec()))
                          .setRole(Role.ROLE_CA_ADMIN)
                          .setName("escalated")
                          .build()));
      assertEquals(certificates, daemon.ledger().count("1 = 1"), "nothing was recorded");
    }
    Cli.Result revoke = auditor("revoke", kept);
    assertEquals(6, revoke.exitCode(), revoke.toString());
    Cli.Result token = auditor("token", "create", "--node", "audited-9", "--address", "192.0.2.9");
    assertEquals(6, token.exitCode(), token.toString());
    JsonNode stillIssued = json(auditor("certificates", "show", kept, "-o", "json"));
    assertEquals("issued", stillIssued.get("state").asText());
  }

  @Test
  @Order(1)
  void theAuditApisLimitsHoldAndHonestCallersAreStillServed() throws Exception {
    Path credential = daemon.credential(Role.ROLE_AUDITOR, "auditor-3");
    try (ApiClient api =
        ApiClient.connect(
            daemon.port(),
            daemon.operatorDirectory().resolve("ca.crt"),
            credential.resolve("client.crt"),
            credential.resolve("client.key"))) {
      WitnessedCheckpoint valid =
          WitnessedCheckpoint.newBuilder()
              .setNumber(1)
              .setSeq(1)
              .setEventHash("ab".repeat(32))
              .setStatementHash("cd".repeat(32))
              .build();
      VerifyAuditRequest.Builder tooMany = VerifyAuditRequest.newBuilder();
      for (int i = 0; i < 257; i++) {
        tooMany.addWitnessed(valid);
      }
      assertStatus(
          Status.Code.INVALID_ARGUMENT,
          "at most 256",
          () -> api.audit().verifyAudit(tooMany.build()));
      assertStatus(
          Status.Code.INVALID_ARGUMENT,
          "64 lowercase hex",
          () ->
              api.audit()
                  .verifyAudit(
                      VerifyAuditRequest.newBuilder()
                          .addWitnessed(valid.toBuilder().setStatementHash("<script>"))
                          .build()));
      assertStatus(
          Status.Code.INVALID_ARGUMENT,
          "after_seq",
          () ->
              api.audit()
                  .listAuditEvents(ListAuditEventsRequest.newBuilder().setAfterSeq(-1).build()));

      // four followers hold the stream; a fifth is refused at once, and the rest is served
      List<io.grpc.Context.CancellableContext> followers = new ArrayList<>();
      List<java.util.concurrent.CompletableFuture<Status>> ends = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
        java.util.concurrent.CompletableFuture<Status> end =
            new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CountDownLatch first = new java.util.concurrent.CountDownLatch(1);
        context.run(
            () ->
                AuditGrpc.newStub(api.channel())
                    .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
                    .watchCheckpoints(
                        WatchCheckpointsRequest.newBuilder().setFollow(true).build(),
                        new io.grpc.stub.StreamObserver<>() {
                          @Override
                          public void onNext(Checkpoint checkpoint) {
                            first.countDown();
                          }

                          @Override
                          public void onError(Throwable t) {
                            first.countDown();
                            end.complete(Status.fromThrowable(t));
                          }

                          @Override
                          public void onCompleted() {
                            end.complete(Status.OK);
                          }
                        }));
        assertTrue(first.await(30, java.util.concurrent.TimeUnit.SECONDS), "follower " + i);
        followers.add(context);
        ends.add(end);
      }
      Status fifth = ends.get(4).get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, fifth.getCode(), fifth.toString());
      for (int i = 0; i < 4; i++) {
        assertFalse(ends.get(i).isDone(), "follower " + i + " still open");
      }
      assertTrue(api.audit().verifyAudit(VerifyAuditRequest.getDefaultInstance()).getIntact());
      followers.forEach(context -> context.cancel(null));
      // the slots come back once the daemon sees the cancellations
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          api.audit()
              .watchCheckpoints(WatchCheckpointsRequest.getDefaultInstance())
              .forEachRemaining(checkpoint -> {});
          break;
        } catch (StatusRuntimeException e) {
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
          assertTrue(System.nanoTime() < deadline, "follower slots are released");
          Thread.sleep(200);
        }
      }
      // a follower's stream ends cleanly before its deadline, so that it resumes from there
      java.util.concurrent.CompletableFuture<Status> clean =
          new java.util.concurrent.CompletableFuture<>();
      AuditGrpc.newStub(api.channel())
          .withDeadlineAfter(15, java.util.concurrent.TimeUnit.SECONDS)
          .watchCheckpoints(
              WatchCheckpointsRequest.newBuilder()
                  .setFollow(true)
                  .setAfterNumber(1_000_000)
                  .build(),
              new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(Checkpoint checkpoint) {}

                @Override
                public void onError(Throwable t) {
                  clean.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  clean.complete(Status.OK);
                }
              });
      assertEquals(Status.Code.OK, clean.get(60, java.util.concurrent.TimeUnit.SECONDS).getCode());
    }
  }

  private static void assertStatus(Status.Code code, String phrase, Runnable call) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, refused.getStatus().getCode(), refused.toString());
    assertTrue(refused.getStatus().getDescription().contains(phrase), refused.toString());
  }

  private static void assertDenied(Runnable call) {
    StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode(), denied.toString());
    assertTrue(denied.getStatus().getDescription().contains("auditor"), denied.toString());
  }

  @Test
  @Order(2)
  void aRewriteIsFoundByTheWitnessEvenAfterTheDaemonSignedTheRewrittenChainAnew() throws Exception {
    daemon.stop();
    Path ledger = daemon.directory().resolve("ledger.db");
    // every checkpoint deleted, event 2 changed, every hash and the head recomputed
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + ledger)) {
      AuditTampering.deleteAllCheckpoints(connection);
      AuditTampering.rewriteFrom(connection, 2, "elsewhere");
    }
    List<String> logged = Collections.synchronizedList(new ArrayList<>());
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            logged.add(record.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger checkpointer = Logger.getLogger(AuditCheckpointer.class.getName());
    checkpointer.addHandler(handler);
    try {
      daemon.restart();
    } finally {
      checkpointer.removeHandler(handler);
    }
    assertTrue(
        logged.stream()
            .anyMatch(line -> line.contains("holds no audit checkpoint although its chain has")),
        logged.toString());
    List<String> connection =
        List.of("--config", auditorConfig.toString(), "--server", "127.0.0.1:" + daemon.port());
    Cli.Result plain = Cli.run(concat(List.of("audit", "verify"), connection));
    assertEquals(0, plain.exitCode(), "the daemon signed the rewritten chain anew: " + plain);
    Cli.Result witnessed =
        Cli.run(concat(List.of("audit", "verify", "--witness", witness.toString()), connection));
    assertEquals(9, witnessed.exitCode(), witnessed.toString());
    assertTrue(witnessed.err().contains("audit trail BROKEN at event "), witnessed.toString());
    assertTrue(
        witnessed.err().contains("does not match witnessed checkpoint"), witnessed.toString());
    assertFalse(witnessed.err().contains("\tat "), witnessed.toString());

    // an event edited without recomputing its hash stops the export there
    try (Connection database = DriverManager.getConnection("jdbc:sqlite:" + ledger);
        java.sql.Statement statement = database.createStatement()) {
      statement.executeUpdate("UPDATE audit_events SET detail = 'nothing' WHERE seq = 3");
    }
    Cli.Result export = Cli.run(concat(List.of("audit", "export", "-o", "jsonl"), connection));
    assertEquals(9, export.exitCode(), export.toString());
    assertEquals(2, export.out().lines().count(), "events 1 and 2 only: " + export);
    assertTrue(export.err().contains("audit event 3 does not match"), export.toString());
  }

  private static String[] concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all.toArray(new String[0]);
  }

  private static JsonNode json(Cli.Result result) throws Exception {
    assertEquals(0, result.exitCode(), result.toString());
    return JSON.readTree(result.out());
  }

  private static List<String> serials(JsonNode list) {
    List<String> serials = new ArrayList<>();
    list.forEach(record -> serials.add(record.get("serial").asText()));
    return serials.stream().sorted().toList();
  }
}
