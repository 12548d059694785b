package dev.signet.server.serviceaccount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import v1.Api.SignJWTRequest;
import v1.ExternalJWTSignerGrpc;

/**
 * What the socket refuses and what it bounds: claims kube-apiserver would never send, a flood
 * beyond the rate limit (honest calls still served), the v1alpha1 API of kube-apiserver 1.32 and
 * 1.33, the aggregated audit trail, and the socket file itself across restarts.
 */
class SigningSocketIT {
  private static TestDaemon daemon;
  private static KubeApiserverPlugin apiserver;

  @BeforeAll
  static void start() throws Exception {
    daemon =
        TestDaemon.start(
            "sa-socket",
            ExternalJwtSignerIT.config("es256", "  maxSignsPerSecond: 5\n  auditInterval: 1s"));
    apiserver = new KubeApiserverPlugin(socket());
    apiserver.syncKeys();
  }

  @AfterAll
  static void stop() throws Exception {
    apiserver.close();
    daemon.close();
  }

  private static Path socket() {
    return daemon.directory().resolve("sa-signer.sock");
  }

  private static String encode(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** Sign with raw claims, waiting for the rate limiter to let a call through. */
  private static StatusRuntimeException refusal(String claims) throws InterruptedException {
    ExternalJWTSignerGrpc.ExternalJWTSignerBlockingStub client =
        ExternalJWTSignerGrpc.newBlockingStub(apiserver.channel());
    return assertThrows(
        StatusRuntimeException.class,
        () ->
            client
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .sign(SignJWTRequest.newBuilder().setClaims(claims).build()));
  }

  @Test
  void claimsKubeApiserverWouldNeverSendAreRefusedUnsigned() throws Exception {
    long signedBefore = daemon.daemon().tokenSigningCounters().signed();
    long in2Hours = Instant.now().plus(Duration.ofHours(2)).getEpochSecond();
    String[][] cases = {
      {encode(ExternalJwtSignerIT.claims(600)) + "=", "base64url without padding"},
      {"eyJ+", "base64url without padding"},
      {"", "1 to 16384 characters"},
      {encode("[1,2]"), "one JSON object"},
      {encode("not json"), "do not decode to JSON"},
      {encode("{\"sub\":\"system:serviceaccount:a:b\"}"), "no numeric exp"},
      {encode("{\"exp\":\"soon\"}"), "no numeric exp"},
      {encode("{\"exp\":1,\"exp\":" + in2Hours + "}"), "do not decode to JSON"},
      {encode("{\"exp\":" + in2Hours + "}"), "longest lifetime"},
      {"A".repeat(TokenSigner.MAX_CLAIMS_LENGTH + 1), "1 to 16384 characters"},
    };
    for (String[] c : cases) {
      StatusRuntimeException e = refusal(c[0]);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), c[1]);
      assertTrue(e.getStatus().getDescription().contains(c[1]), e.getStatus().getDescription());
    }
    assertEquals(signedBefore, daemon.daemon().tokenSigningCounters().signed(), "nothing signed");
    assertTrue(
        daemon.daemon().tokenSigningCounters().refused(SigningRefused.Reason.INVALID_CLAIMS)
            >= cases.length);
  }

  @Test
  void aFloodIsRateLimitedAndHonestCallsAreStillServed() throws Exception {
    int refused = 0;
    int signed = 0;
    for (int i = 0; i < 200; i++) {
      try {
        apiserver.generateToken(ExternalJwtSignerIT.claims(600));
        signed++;
      } catch (StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("more than 5 tokens per second"));
        refused++;
      }
    }
    assertTrue(refused > 0, "200 calls at once exceed 5 per second");
    assertTrue(signed > 0, "some got through");
    // an honest caller after the flood: served within a few permits' time
    String token = null;
    for (int attempt = 0; attempt < 600 && token == null; attempt++) {
      try {
        token = apiserver.generateToken(ExternalJwtSignerIT.claims(600));
      } catch (StatusRuntimeException e) {
        Thread.sleep(100);
      }
    }
    ExternalJwtSignerIT.verify(apiserver, token, JWSAlgorithm.ES256);
  }

  @Test
  void v1alpha1IsServedWithTheSameKeys() throws Exception {
    v1alpha1.ExternalJWTSignerGrpc.ExternalJWTSignerBlockingStub alpha =
        v1alpha1.ExternalJWTSignerGrpc.newBlockingStub(apiserver.channel())
            .withDeadlineAfter(30, TimeUnit.SECONDS);
    v1alpha1.Api.FetchKeysResponse keys =
        alpha.fetchKeys(v1alpha1.Api.FetchKeysRequest.getDefaultInstance());
    assertEquals(apiserver.syncKeys().keys().get(0).keyId(), keys.getKeys(0).getKeyId());
    assertEquals(
        600,
        alpha
            .metadata(v1alpha1.Api.MetadataRequest.getDefaultInstance())
            .getMaxTokenExpirationSeconds());
    String claims = encode(ExternalJwtSignerIT.claims(600));
    v1alpha1.Api.SignJWTResponse signed = null;
    for (int attempt = 0; attempt < 600 && signed == null; attempt++) {
      try {
        signed = alpha.sign(v1alpha1.Api.SignJWTRequest.newBuilder().setClaims(claims).build());
      } catch (StatusRuntimeException rateLimited) {
        Thread.sleep(100);
      }
    }
    apiserver.validateHeader(signed.getHeader());
    ExternalJwtSignerIT.verify(
        apiserver,
        signed.getHeader() + "." + claims + "." + signed.getSignature(),
        JWSAlgorithm.ES256);
  }

  @Test
  void signaturesAreAuditedInAggregate() throws Exception {
    String kid = apiserver.syncKeys().keys().get(0).keyId();
    int signed = 0;
    while (signed < 3) {
      try {
        apiserver.generateToken(ExternalJwtSignerIT.claims(600));
        signed++;
      } catch (StatusRuntimeException rateLimited) {
        Thread.sleep(100);
      }
    }
    String condition =
        "action = 'sa-sign' AND reason = 'TOKENS_SIGNED' AND detail LIKE '%kid " + kid + "%'";
    for (int wait = 0; wait < 600 && daemon.ledger().auditCount(condition) == 0; wait++) {
      Thread.sleep(100);
    }
    assertTrue(daemon.ledger().auditCount(condition) > 0, "one event per interval and key");
    assertTrue(
        daemon.ledger().auditCount("action = 'sa-sign'")
            < daemon.daemon().tokenSigningCounters().signed(),
        "fewer events than tokens: aggregated");
  }

  @Test
  void theSocketIsReplacedAtRestartAndAnyOtherFileRefused() throws Exception {
    daemon.stop();
    assertFalse(Files.exists(socket()), "a clean stop removes the socket");
    Files.writeString(socket(), "not a socket");
    Exception refused = assertThrows(Exception.class, daemon::restart);
    assertTrue(refused.getMessage().contains("exists and is not a socket"), refused.getMessage());
    Files.delete(socket());
    daemon.restart();
    assertTrue(Files.exists(socket()));
    assertEquals(1, apiserver.syncKeys().keys().size(), "the plugin reconnects to the new socket");
  }
}
