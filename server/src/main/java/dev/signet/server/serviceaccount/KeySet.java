package dev.signet.server.serviceaccount;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.ledger.CaGenerations.State;
import dev.signet.server.ledger.ServiceAccountKeyGenerations;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The service-account keys as they stand at one moment, immutable: the generation that signs, the
 * generations published for verification, and the public keys of an earlier signer. What FetchKeys
 * answers and what Sign signs with both come from one such set, so they always agree.
 *
 * @param generations every generation, oldest first (retired ones included, without a signer)
 * @param legacy public keys of an earlier signer (a kubeadm {@code sa.pub}), verification only
 * @param dataTimestamp when the set last changed: stable until a rotation step, on every replica
 */
public record KeySet(List<Generation> generations, List<PublicKey> legacy, Instant dataTimestamp) {

  /**
   * One generation of the signing key.
   *
   * @param keyId the JWT {@code kid}: base64url(SHA-256(PKIX public key)), as kube-apiserver
   *     derives it for {@code --service-account-signing-key-file}
   * @param signer the key in the token; empty for a retired generation
   */
  public record Generation(
      int number,
      String keyLabel,
      State state,
      Instant changedAt,
      String keyId,
      PublicKey publicKey,
      KeyAlgorithm algorithm,
      Optional<SigningKey> signer) {

    /** The JWS {@code alg} of this key: ES256, ES384 or RS256. */
    public String jwsAlgorithm() {
      return KeySet.jwsAlgorithm(algorithm);
    }

    /**
     * The JOSE header of every token this key signs, base64url without padding: exactly {@code
     * alg}, {@code kid} and {@code typ}, which is all kube-apiserver accepts.
     */
    public String encodedHeader() {
      String json =
          "{\"alg\":\"" + jwsAlgorithm() + "\",\"kid\":\"" + keyId + "\",\"typ\":\"JWT\"}";
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(json.getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** A key as FetchKeys publishes it. */
  public record PublishedKey(String keyId, byte[] publicKeyDer, boolean excludeFromOidcDiscovery) {}

  public KeySet {
    generations = List.copyOf(generations);
    legacy = List.copyOf(legacy);
  }

  /**
   * The set the recorded generations describe, their keys found in {@code store}. Before the first
   * rotation nothing is recorded: the key {@code baseLabel} is the one generation, active since its
   * certificate was made.
   *
   * @throws TokenException if a key of a generation that is not retired is missing (run init)
   */
  public static KeySet load(
      CaKeyStore store,
      String baseLabel,
      List<ServiceAccountKeyGenerations.Generation> recorded,
      List<PublicKey> legacy)
      throws TokenException {
    List<Generation> generations = new ArrayList<>();
    if (recorded.isEmpty()) {
      CaKeyStore.StoredKey key = find(store, baseLabel);
      generations.add(
          generation(1, State.ACTIVE, key.certificate().getNotBefore().toInstant(), key));
    }
    for (ServiceAccountKeyGenerations.Generation g : recorded) {
      if (g.state() == State.RETIRED) {
        Optional<CaKeyStore.StoredKey> key = store.find(g.keyLabel());
        PublicKey publicKey = key.map(k -> k.certificate().getPublicKey()).orElse(null);
        generations.add(
            new Generation(
                g.number(),
                g.keyLabel(),
                g.state(),
                g.changedAt(),
                publicKey == null ? "" : keyId(publicKey),
                publicKey,
                key.map(k -> k.key().algorithm()).orElse(null),
                Optional.empty()));
      } else {
        generations.add(
            generation(g.number(), g.state(), g.changedAt(), find(store, g.keyLabel())));
      }
    }
    Instant changed =
        generations.stream()
            .map(Generation::changedAt)
            .max(Comparator.naturalOrder())
            .orElseThrow();
    return new KeySet(generations, legacy, changed);
  }

  /** The generation that signs. */
  public Generation signing() {
    return generations.stream()
        .filter(g -> g.state() == State.ACTIVE)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no active service-account key"));
  }

  /**
   * What FetchKeys answers: the signing key first, then a prepared one (published before it signs),
   * then previous ones (their tokens may still be alive), all in OIDC discovery so that outside
   * verifiers trust them too; last the earlier signer's keys, for verification inside
   * kube-apiserver only ({@code exclude_from_oidc_discovery}: they sign nothing any more).
   */
  public List<PublishedKey> published() {
    List<PublishedKey> keys = new ArrayList<>();
    for (State state : List.of(State.ACTIVE, State.PREPARED, State.PREVIOUS)) {
      generations.stream()
          .filter(g -> g.state() == state)
          .forEach(g -> keys.add(new PublishedKey(g.keyId(), g.publicKey().getEncoded(), false)));
    }
    legacy.forEach(key -> keys.add(new PublishedKey(keyId(key), key.getEncoded(), true)));
    return keys;
  }

  /** Kubernetes' key id of a public key: base64url(SHA-256(PKIX DER)), unpadded. */
  public static String keyId(PublicKey key) {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JWS algorithm a key of {@code algorithm} signs with. */
  public static String jwsAlgorithm(KeyAlgorithm algorithm) {
    return switch (algorithm) {
      case ECDSA_P256 -> "ES256";
      case ECDSA_P384 -> "ES384";
      case RSA_2048, RSA_3072, RSA_4096 -> "RS256";
    };
  }

  private static Generation generation(
      int number, State state, Instant changedAt, CaKeyStore.StoredKey key) {
    PublicKey publicKey = key.certificate().getPublicKey();
    return new Generation(
        number,
        key.label(),
        state,
        changedAt,
        keyId(publicKey),
        publicKey,
        key.key().algorithm(),
        Optional.of(key.key()));
  }

  private static CaKeyStore.StoredKey find(CaKeyStore store, String label) throws TokenException {
    return store
        .find(label)
        .orElseThrow(
            () ->
                new TokenException(
                    store.description()
                        + " has no service-account key '"
                        + label
                        + "'; run 'signetd init' to create it",
                    null));
  }
}
