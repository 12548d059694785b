package dev.signet.server.serviceaccount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * signetd's service-account signer as kube-apiserver uses it: {@link KubeApiserverPlugin} plays
 * kube-apiserver's plugin check for check, and nimbus-jose-jwt, a JOSE library of its own, verifies
 * every token against the keys FetchKeys published, for ES256 and RS256 keys in the (in-memory) key
 * store, across a whole rotation: prepare, activate, retire.
 */
class ExternalJwtSignerIT {

  /** The service-account section of a test daemon: the socket beside its configuration. */
  static DaemonConfig config(String algorithm, String extra) {
    return new DaemonConfig()
        .extra(
            String.join(
                "\n",
                "serviceAccount:",
                "  socket: sa-signer.sock",
                "  algorithm: " + algorithm,
                // long enough that activate without force is refused, short enough for a test
                "  refreshHint: 1h",
                "  maxTokenExpiration: 10m",
                extra));
  }

  /** Claims as kube-apiserver makes them for a bound token, expiring in {@code seconds}. */
  static String claims(long seconds) {
    long now = Instant.now().getEpochSecond();
    return "{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"exp\":"
        + (now + seconds)
        + ",\"iat\":"
        + now
        + ",\"iss\":\"https://kubernetes.default.svc.cluster.local\",\"jti\":\""
        + UUID.randomUUID()
        + "\",\"kubernetes.io\":{\"namespace\":\"default\",\"serviceaccount\":{\"name\":\"default\","
        + "\"uid\":\"6d0c1b2a-0000-4000-8000-000000000001\"}},\"nbf\":"
        + now
        + ",\"sub\":\"system:serviceaccount:default:default\"}";
  }

  /** Verifies {@code token} with nimbus-jose-jwt against the key kube-apiserver holds for it. */
  static SignedJWT verify(KubeApiserverPlugin apiserver, String token, JWSAlgorithm algorithm)
      throws Exception {
    SignedJWT jwt = SignedJWT.parse(token);
    assertEquals(algorithm, jwt.getHeader().getAlgorithm());
    assertEquals(
        Map.of("alg", algorithm.getName(), "kid", jwt.getHeader().getKeyID(), "typ", "JWT"),
        jwt.getHeader().toJSONObject(),
        "the header holds alg, kid and typ and nothing else");
    List<KubeApiserverPlugin.CachedKey> keys = apiserver.publicKeys(jwt.getHeader().getKeyID());
    assertEquals(1, keys.size(), "one published key for kid " + jwt.getHeader().getKeyID());
    PublicKey key = keys.get(0).publicKey();
    JWSVerifier verifier =
        key instanceof ECPublicKey ec
            ? new ECDSAVerifier(ec)
            : new RSASSAVerifier((RSAPublicKey) key);
    assertTrue(jwt.verify(verifier), "the signature verifies under the FetchKeys key");
    assertEquals(KeySet.keyId(key), jwt.getHeader().getKeyID(), "kid = base64url(SHA-256(PKIX))");
    return jwt;
  }

  @ParameterizedTest
  @ValueSource(strings = {"es256", "rs256"})
  void tokensVerifyAcrossARotation(String algorithmName) throws Exception {
    JWSAlgorithm algorithm = JWSAlgorithm.parse(algorithmName.toUpperCase(java.util.Locale.ROOT));
    try (TestDaemon daemon = TestDaemon.start("sa-" + algorithmName, config(algorithmName, ""));
        KubeApiserverPlugin apiserver =
            new KubeApiserverPlugin(daemon.directory().resolve("sa-signer.sock"))) {
      String signetd = daemon.config().toString();
      assertEquals(
          PosixFilePermissions.fromString("rw-------"),
          Files.getPosixFilePermissions(daemon.directory().resolve("sa-signer.sock")));

      // kube-apiserver's start: the initial fill, then Metadata
      KubeApiserverPlugin.VerificationKeys start = apiserver.syncKeys();
      assertEquals(1, start.keys().size());
      assertEquals(60 * 60, start.refreshHintSeconds());
      assertEquals(600, apiserver.maxTokenExpirationSeconds());
      String firstKid = start.keys().get(0).keyId();

      String before = apiserver.generateToken(claims(600));
      SignedJWT beforeJwt = verify(apiserver, before, algorithm);
      assertEquals(firstKid, beforeJwt.getHeader().getKeyID());
      assertEquals(
          "system:serviceaccount:default:default", beforeJwt.getJWTClaimsSet().getSubject());

      assertEquals(
          start.dataTimestamp(),
          apiserver.syncKeys().dataTimestamp(),
          "data_timestamp is stable while the key set does not change");

      // prepare: the new key is published, the old one still signs
      DaemonProcess.Result prepare =
          daemon.signetd(
              "sa-key",
              "rotate",
              "--phase",
              "prepare",
              "--server",
              "127.0.0.1:" + daemon.port(),
              "-c",
              signetd);
      assertEquals(0, prepare.exitCode(), prepare.toString());
      KubeApiserverPlugin.VerificationKeys prepared = apiserver.syncKeys();
      assertEquals(2, prepared.keys().size());
      assertEquals(firstKid, prepared.keys().get(0).keyId(), "the signing key is listed first");
      String secondKid = prepared.keys().get(1).keyId();
      assertNotEquals(firstKid, secondKid);
      assertTrue(
          prepared.keys().stream()
              .noneMatch(KubeApiserverPlugin.CachedKey::excludeFromOidcDiscovery));
      assertTrue(prepared.dataTimestamp().isAfter(start.dataTimestamp()), "data_timestamp moves");
      String duringPrepare = apiserver.generateToken(claims(600));
      assertEquals(firstKid, verify(apiserver, duringPrepare, algorithm).getHeader().getKeyID());

      // activate waits two refresh hints (2 h here) for every kube-apiserver to fetch the new key
      DaemonProcess.Result early =
          daemon.signetd(
              "sa-key",
              "rotate",
              "--phase",
              "activate",
              "--server",
              "127.0.0.1:" + daemon.port(),
              "-c",
              signetd);
      assertEquals(7, early.exitCode(), early.toString());
      assertTrue(
          early.stderr().contains("kube-apiserver fetches keys every 3600 s"), early.stderr());
      DaemonProcess.Result activate =
          daemon.signetd(
              "sa-key",
              "rotate",
              "--phase",
              "activate",
              "--server",
              "127.0.0.1:" + daemon.port(),
              "--force",
              "-c",
              signetd);
      assertEquals(0, activate.exitCode(), activate.toString());

      // the new key signs; a kube-apiserver that has not synced yet learns it on the unknown kid
      String after = apiserver.generateToken(claims(600));
      assertEquals(secondKid, verify(apiserver, after, algorithm).getHeader().getKeyID());
      KubeApiserverPlugin.VerificationKeys activated = apiserver.syncKeys();
      assertEquals(
          List.of(secondKid, firstKid),
          activated.keys().stream().map(KubeApiserverPlugin.CachedKey::keyId).toList());
      verify(apiserver, before, algorithm);
      verify(apiserver, duringPrepare, algorithm);

      // retire waits until the old key's tokens have expired (10 min + margin here)
      DaemonProcess.Result tooSoon =
          daemon.signetd(
              "sa-key",
              "rotate",
              "--phase",
              "retire",
              "--server",
              "127.0.0.1:" + daemon.port(),
              "-c",
              signetd);
      assertEquals(7, tooSoon.exitCode(), tooSoon.toString());
      assertTrue(
          tooSoon.stderr().contains("tokens signed by the previous key may live until"),
          tooSoon.stderr());
      DaemonProcess.Result retire =
          daemon.signetd(
              "sa-key",
              "rotate",
              "--phase",
              "retire",
              "--server",
              "127.0.0.1:" + daemon.port(),
              "--force",
              "-c",
              signetd);
      assertEquals(0, retire.exitCode(), retire.toString());
      KubeApiserverPlugin.VerificationKeys retired = apiserver.syncKeys();
      assertEquals(
          List.of(secondKid),
          retired.keys().stream().map(KubeApiserverPlugin.CachedKey::keyId).toList());
      assertTrue(apiserver.publicKeys(firstKid).isEmpty(), "a retired key verifies nothing");
      verify(apiserver, after, algorithm);

      // a restart keeps the keys, their order and the data timestamp
      daemon.stop();
      daemon.restart();
      KubeApiserverPlugin.VerificationKeys restarted = apiserver.syncKeys();
      assertEquals(retired.dataTimestamp(), restarted.dataTimestamp());
      assertEquals(
          secondKid,
          verify(apiserver, apiserver.generateToken(claims(600)), algorithm)
              .getHeader()
              .getKeyID());

      DaemonProcess.Result status =
          daemon.signetd(
              "sa-key", "status", "--server", "127.0.0.1:" + daemon.port(), "-c", signetd);
      assertEquals(0, status.exitCode(), status.toString());
      assertTrue(status.stdout().contains("retired"), status.stdout());
      assertTrue(status.stdout().contains(secondKid), status.stdout());
      assertEquals(
          3, daemon.ledger().auditCount("action = 'sa-key-rotate' AND decision = 'APPROVED'"));
      assertThrows(
          KubeApiserverPlugin.Rejected.class,
          () -> KubeApiserverPlugin.rawUrlDecode(before.substring(0, before.indexOf('.')) + "="),
          "the judge itself refuses padding, as Go's RawURLEncoding does");
    }
  }
}
