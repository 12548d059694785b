package dev.signet.server.serviceaccount;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import v1.Api.FetchKeysRequest;
import v1.Api.FetchKeysResponse;
import v1.Api.Key;
import v1.Api.MetadataRequest;
import v1.Api.SignJWTRequest;
import v1.Api.SignJWTResponse;
import v1.ExternalJWTSignerGrpc;

/**
 * kube-apiserver's side of ExternalJWTSigner, as pkg/serviceaccount/externaljwt/plugin does it
 * (plugin.go, keycache.go): plaintext gRPC on the unix socket with authority "localhost"; FetchKeys
 * validated (refresh hint > 0, at least one key, a valid data timestamp, every key id 1 to 1024
 * characters, every key non-empty and PKIX); Metadata's max token lifetime at least 600 s; a token
 * assembled from the claims it sent and the header and signature it got, after the header is
 * decoded as RawURL base64, parsed as JSON with unknown fields refused, and checked: typ JWT, a kid
 * of 1 to 1024 characters, alg RS256, ES256, ES384 or ES512, and the kid's key not excluded from
 * OIDC discovery (an unknown kid triggers a key sync first). It does not verify the signature, as
 * kube-apiserver does not at issue time: {@link ExternalJwtSignerIT} verifies with an independent
 * JOSE library.
 */
final class KubeApiserverPlugin implements AutoCloseable {
  /** Go's base64.RawURLEncoding alphabet: no padding, no other character. */
  private static final Pattern RAW_URL = Pattern.compile("[A-Za-z0-9_-]*");

  private static final Set<String> ALGORITHMS = Set.of("RS256", "ES256", "ES384", "ES512");
  private static final ObjectMapper STRICT_JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  /** A key as the key cache keeps it. */
  record CachedKey(String keyId, PublicKey publicKey, boolean excludeFromOidcDiscovery) {}

  /** The key cache's content after a sync. */
  record VerificationKeys(List<CachedKey> keys, Instant dataTimestamp, long refreshHintSeconds) {}

  /** The JOSE header struct of validateJWTHeader, with omitempty strings. */
  record Header(
      @JsonProperty("alg") String algorithm,
      @JsonProperty("kid") String keyId,
      @JsonProperty("typ") String type) {}

  /** What kube-apiserver rejected, with its message. */
  static final class Rejected extends Exception {
    Rejected(String message) {
      super(message);
    }
  }

  private final EventLoopGroup loop =
      new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final ManagedChannel channel;
  private final ExternalJWTSignerGrpc.ExternalJWTSignerBlockingStub client;
  private VerificationKeys cache = new VerificationKeys(List.of(), Instant.EPOCH, 0);

  KubeApiserverPlugin(Path socket) {
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(loop)
            .usePlaintext()
            .overrideAuthority("localhost")
            .build();
    client = ExternalJWTSignerGrpc.newBlockingStub(channel);
  }

  ManagedChannel channel() {
    return channel;
  }

  /** keyCache.syncKeys: FetchKeys, validated, replacing the cache. */
  VerificationKeys syncKeys() throws Rejected {
    FetchKeysResponse response =
        client
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .withWaitForReady()
            .fetchKeys(FetchKeysRequest.getDefaultInstance());
    if (response.getRefreshHintSeconds() <= 0) {
      throw new Rejected("found invalid refresh hint (" + response.getRefreshHintSeconds() + "s)");
    }
    if (response.getKeysCount() == 0) {
      throw new Rejected("found no keys");
    }
    // timestamppb CheckValid: set, seconds within 0001-01-01 and 9999-12-31, nanos in [0, 1e9)
    Timestamp stamp = response.getDataTimestamp();
    if (!response.hasDataTimestamp()
        || stamp.getSeconds() < -62135596800L
        || stamp.getSeconds() > 253402300799L
        || stamp.getNanos() < 0
        || stamp.getNanos() >= 1_000_000_000) {
      throw new Rejected("invalid data timestamp");
    }
    List<CachedKey> keys = new ArrayList<>();
    for (Key key : response.getKeysList()) {
      if (key.getKeyId().isEmpty() || key.getKeyId().length() > 1024) {
        throw new Rejected("found invalid public key id \"" + key.getKeyId() + "\"");
      }
      if (key.getKey().isEmpty()) {
        throw new Rejected("found empty public key");
      }
      keys.add(
          new CachedKey(
              key.getKeyId(),
              parsePkix(key.getKey().toByteArray()),
              key.getExcludeFromOidcDiscovery()));
    }
    cache =
        new VerificationKeys(
            keys,
            Instant.ofEpochSecond(stamp.getSeconds(), stamp.getNanos()),
            response.getRefreshHintSeconds());
    return cache;
  }

  /** Metadata at start: the signer's longest token lifetime, refused under 600 s. */
  long maxTokenExpirationSeconds() throws Rejected {
    long max =
        client
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .metadata(MetadataRequest.getDefaultInstance())
            .getMaxTokenExpirationSeconds();
    if (max < 600) {
      throw new Rejected("max token life supported by external-jwt-signer is less than 600 s");
    }
    return max;
  }

  /** keyCache.GetPublicKeys: the kid's keys, syncing once when the kid is unknown. */
  List<CachedKey> publicKeys(String keyId) throws Rejected {
    List<CachedKey> found = find(keyId);
    if (!found.isEmpty()) {
      return found;
    }
    syncKeys();
    return find(keyId);
  }

  private List<CachedKey> find(String keyId) {
    return cache.keys().stream().filter(k -> k.keyId().equals(keyId)).toList();
  }

  /** signAndAssembleJWT: the claims JSON signed through the socket, the JWT assembled. */
  String generateToken(String claimsJson) throws Rejected {
    String payload =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
    SignJWTResponse response =
        client
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .sign(SignJWTRequest.newBuilder().setClaims(payload).build());
    validateHeader(response.getHeader());
    if (response.getSignature().isEmpty()) {
      throw new Rejected("empty signature returned");
    }
    return response.getHeader() + "." + payload + "." + response.getSignature();
  }

  /** validateJWTHeader, check for check. */
  Header validateHeader(String encoded) throws Rejected {
    Header header;
    try {
      header = STRICT_JSON.readValue(rawUrlDecode(encoded), Header.class);
    } catch (java.io.IOException e) {
      throw new Rejected("while parsing header JSON: " + e.getMessage());
    }
    if (!"JWT".equals(header.type())) {
      throw new Rejected("bad type");
    }
    if (header.keyId() == null || header.keyId().isEmpty()) {
      throw new Rejected("key id missing");
    }
    if (header.keyId().length() > 1024) {
      throw new Rejected("key id longer than 1 kb");
    }
    if (!ALGORITHMS.contains(header.algorithm())) {
      throw new Rejected("bad signing algorithm \"" + header.algorithm() + "\"");
    }
    for (CachedKey key : publicKeys(header.keyId())) {
      if (key.excludeFromOidcDiscovery()) {
        throw new Rejected(
            "key used for signing JWT (kid: "
                + header.keyId()
                + ") is excluded from OIDC discovery docs");
      }
    }
    return header;
  }

  /** base64.RawURLEncoding.DecodeString: the URL alphabet, no padding. */
  static byte[] rawUrlDecode(String encoded) throws Rejected {
    if (!RAW_URL.matcher(encoded).matches() || encoded.length() % 4 == 1) {
      throw new Rejected("while unwrapping header: illegal base64 data");
    }
    return Base64.getUrlDecoder().decode(encoded);
  }

  /** x509.ParsePKIXPublicKey for the key kinds kube-apiserver supports. */
  static PublicKey parsePkix(byte[] der) throws Rejected {
    for (String family : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // the other family
      }
    }
    throw new Rejected("while parsing external public keys: not a PKIX RSA or EC key");
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }
}
