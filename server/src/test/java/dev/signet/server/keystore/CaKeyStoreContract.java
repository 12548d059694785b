package dev.signet.server.keystore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.ca.CaCertificates;
import dev.signet.server.ca.CaSetup;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link CaKeyStore} must do, run against each implementation: the in-memory store
 * ({@code InMemoryKeyStoreTest}) and a real SoftHSM2 token through SunPKCS11 ({@code
 * Pkcs11KeyStoreIT}). Each test works under labels of its own, since the token is shared by the
 * JVM.
 */
abstract class CaKeyStoreContract {
  private static final Duration TEN_YEARS = Duration.ofDays(3650);
  private static final AtomicInteger RUN = new AtomicInteger();

  /** A store for one test; closed after it. */
  abstract CaKeyStore open() throws Exception;

  private CaKeyStore store;
  private String prefix;

  @BeforeEach
  void openStore() throws Exception {
    store = open();
    prefix = getClass().getSimpleName() + "-" + System.nanoTime() + "-" + RUN.incrementAndGet();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void aGeneratedKeySignsWhatItsCertificateVerifies(KeyAlgorithm algorithm) throws Exception {
    String label = prefix + "-" + algorithm.id();
    X509Certificate made = store.generate(label, algorithm, selfSigned("contract"));

    CaKeyStore.StoredKey found = store.find(label).orElseThrow();
    assertArrayEquals(made.getEncoded(), found.certificate().getEncoded());
    assertEquals(algorithm, found.key().algorithm());
    byte[] data = "to be signed".getBytes(StandardCharsets.US_ASCII);
    assertTrue(verifies(found.certificate(), algorithm, data, found.key().sign(data)));
    assertFalse(
        verifies(
            found.certificate(),
            algorithm,
            "something else".getBytes(StandardCharsets.US_ASCII),
            found.key().sign(data)),
        "a signature of other data does not verify");
  }

  @Test
  void aKeyWithoutItsCertificateIsNeitherFoundNorLeftBehind() throws Exception {
    String label = prefix + "-uncertified";
    TokenException refused =
        assertThrows(
            TokenException.class,
            () ->
                store.generate(
                    label,
                    KeyAlgorithm.ECDSA_P256,
                    (publicKey, newKey) -> {
                      throw new IllegalStateException("no certificate today");
                    }));
    assertTrue(refused.getMessage().contains("no certificate today"), refused.getMessage());
    assertEquals(Optional.empty(), store.find(label));
    assertFalse(store.labels().contains(label), "nothing under " + label);
  }

  @Test
  void anUnknownLabelIsAbsent() throws Exception {
    assertEquals(Optional.empty(), store.find(prefix + "-never-made"));
  }

  @Test
  void aKeyIsThreeObjectsAndAMarkerOne() throws Exception {
    String key = prefix + "-key";
    String marker = prefix + "-marker";
    store.generate(key, KeyAlgorithm.ECDSA_P256, selfSigned("objects"));
    store.mark(marker);

    List<String> labels = store.labels();
    assertEquals(3, count(labels, key), "public key, private key, certificate: " + labels);
    assertEquals(1, count(labels, marker), labels.toString());
    assertEquals(Optional.empty(), store.find(marker), "a marker is no key");
  }

  @Test
  void labellingMovesEveryObjectAndTheKeyStillSigns() throws Exception {
    String from = prefix + "-before";
    String to = prefix + "-after";
    X509Certificate made = store.generate(from, KeyAlgorithm.ECDSA_P384, selfSigned("moved"));

    store.label(from, to);

    assertEquals(Optional.empty(), store.find(from));
    assertEquals(0, count(store.labels(), from));
    assertEquals(3, count(store.labels(), to));
    CaKeyStore.StoredKey moved = store.find(to).orElseThrow();
    assertArrayEquals(made.getEncoded(), moved.certificate().getEncoded());
    byte[] data = {1, 2, 3};
    assertTrue(verifies(made, KeyAlgorithm.ECDSA_P384, data, moved.key().sign(data)));
  }

  @Test
  void destroyingRemovesEveryObjectOfTheLabelAndNoOther() throws Exception {
    String doomed = prefix + "-doomed";
    String kept = prefix + "-kept";
    store.generate(doomed, KeyAlgorithm.ECDSA_P256, selfSigned("doomed"));
    store.generate(kept, KeyAlgorithm.ECDSA_P256, selfSigned("kept"));
    store.mark(doomed);

    store.destroy(doomed);

    assertEquals(0, count(store.labels(), doomed));
    assertEquals(Optional.empty(), store.find(doomed));
    assertTrue(store.find(kept).isPresent(), "the other key stays");
  }

  @Test
  void afterADeviceFailureNothingIsSigned() throws Exception {
    String label = prefix + "-failing";
    store.generate(label, KeyAlgorithm.ECDSA_P256, selfSigned("failing"));
    SigningKey key = store.find(label).orElseThrow().key();

    store.health().markFailed("pulled out by the test");

    SigningException refused = assertThrows(SigningException.class, () -> key.sign(new byte[] {1}));
    assertFalse(refused.busy(), "a failed device, not a busy one");
    assertTrue(refused.getMessage().contains("pulled out by the test"), refused.getMessage());
  }

  @Test
  void aMacKeyGivesOneMacPerDataAndAnotherKeyAnother() throws Exception {
    String label = prefix + "-mac";
    String other = prefix + "-other-mac";
    store.generateMacKey(label);
    store.generateMacKey(other);
    byte[] data = "a row that grants power".getBytes(StandardCharsets.US_ASCII);

    byte[] mac = store.findMacKey(label).orElseThrow().mac(data);

    assertEquals(32, mac.length, "HMAC-SHA256");
    assertArrayEquals(mac, store.findMacKey(label).orElseThrow().mac(data), "found again, same");
    assertFalse(
        Arrays.equals(mac, store.findMacKey(label).orElseThrow().mac(new byte[] {1})),
        "other data, another MAC");
    assertFalse(
        Arrays.equals(mac, store.findMacKey(other).orElseThrow().mac(data)),
        "another key, another MAC");
  }

  @Test
  void aMacKeyIsOneObjectNoKeyPairAndGoesWhenDestroyed() throws Exception {
    String label = prefix + "-mac-object";
    String pair = prefix + "-pair";
    store.generateMacKey(label);
    store.generate(pair, KeyAlgorithm.ECDSA_P256, selfSigned("pair"));

    assertEquals(1, count(store.labels(), label), store.labels().toString());
    assertEquals(Optional.empty(), store.find(label), "a MAC key signs no certificates");
    assertEquals(Optional.empty(), store.findMacKey(pair), "a key pair makes no MACs");
    assertEquals(Optional.empty(), store.findMacKey(prefix + "-never-made"));

    store.destroy(label);

    assertEquals(Optional.empty(), store.findMacKey(label));
    assertEquals(0, count(store.labels(), label));
  }

  @Test
  void afterADeviceFailureNoMacIsMade() throws Exception {
    String label = prefix + "-failing-mac";
    store.generateMacKey(label);
    CaKeyStore.MacKey key = store.findMacKey(label).orElseThrow();

    store.health().markFailed("pulled out by the test");

    SigningException refused = assertThrows(SigningException.class, () -> key.mac(new byte[] {1}));
    assertTrue(refused.getMessage().contains("pulled out by the test"), refused.getMessage());
  }

  @Test
  void concurrentSignaturesAllVerify() throws Exception {
    String label = prefix + "-concurrent";
    X509Certificate certificate =
        store.generate(label, KeyAlgorithm.ECDSA_P256, selfSigned("concurrent"));
    SigningKey key = store.find(label).orElseThrow().key();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        byte[] data = BigInteger.valueOf(i).toByteArray();
        results.add(
            threads.submit(
                () -> verifies(certificate, KeyAlgorithm.ECDSA_P256, data, key.sign(data))));
      }
      for (Future<Boolean> result : results) {
        assertTrue(result.get(60, TimeUnit.SECONDS));
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** CaSetup's all-or-nothing creation, built on the store's primitives: a failure undoes all. */
  @Test
  void aCaBatchThatFailsPartWayLeavesNothingBehind() throws Exception {
    Map<String, CaSetup.KeySpec> wanted = cas("rollback");
    CaKeyStore failing = failingAfter(store, 3);

    assertThrows(
        TokenException.class,
        () ->
            new CaSetup(failing, Clock.systemUTC(), new SecureRandom())
                .ensure(wanted, KeyAlgorithm.ECDSA_P256, TEN_YEARS, Duration.ZERO));

    List<String> labels = store.labels();
    assertTrue(
        labels.stream()
            .noneMatch(l -> l.startsWith("signet-pending:") || l.startsWith("signet-commit:")),
        labels.toString());
    for (String label : wanted.keySet()) {
      assertEquals(0, count(labels, label), label + " must not exist after the failed batch");
    }

    CaSetup.Result retry =
        new CaSetup(store, Clock.systemUTC(), new SecureRandom())
            .ensure(wanted, KeyAlgorithm.ECDSA_P256, TEN_YEARS, Duration.ZERO);
    assertEquals(List.copyOf(wanted.keySet()), retry.created());
    assertEachCaComplete(store.labels(), wanted);
  }

  @Test
  void creatingCasAgainChangesNothing() throws Exception {
    Map<String, CaSetup.KeySpec> wanted = cas("idempotent");
    CaSetup setup = new CaSetup(store, Clock.systemUTC(), new SecureRandom());
    setup.ensure(wanted, KeyAlgorithm.ECDSA_P384, TEN_YEARS, Duration.ZERO);
    String first = wanted.keySet().iterator().next();
    byte[] before = store.find(first).orElseThrow().certificate().getEncoded();

    CaSetup.Result again = setup.ensure(wanted, KeyAlgorithm.RSA_2048, TEN_YEARS, Duration.ZERO);

    assertEquals(List.of(), again.created());
    assertEquals(List.copyOf(wanted.keySet()), again.existing());
    assertArrayEquals(before, store.find(first).orElseThrow().certificate().getEncoded());
    assertEachCaComplete(store.labels(), wanted);
  }

  private Map<String, CaSetup.KeySpec> cas(String name) {
    Map<String, CaSetup.KeySpec> wanted = new LinkedHashMap<>();
    for (String domain : List.of("kubernetes", "etcd", "front-proxy", "signet-api")) {
      wanted.put(prefix + "-" + name + "-" + domain, CaSetup.KeySpec.ca(domain + "-ca"));
    }
    return wanted;
  }

  /** Each CA is exactly a public key, a private key and a certificate; no leftovers at all. */
  private static void assertEachCaComplete(
      List<String> labels, Map<String, CaSetup.KeySpec> wanted) {
    for (String label : wanted.keySet()) {
      assertEquals(3, count(labels, label), label + " in " + labels);
    }
    assertTrue(
        labels.stream()
            .noneMatch(l -> l.startsWith("signet-pending:") || l.startsWith("signet-commit:")),
        "no pending objects or markers: " + labels);
  }

  /**
   * {@code store}, except that its {@code failAt}-th key generation completes and then reports a
   * failure, as a token that dies between two steps would.
   */
  private static CaKeyStore failingAfter(CaKeyStore store, int failAt) {
    AtomicInteger generated = new AtomicInteger();
    return new CaKeyStore() {
      @Override
      public String description() {
        return store.description();
      }

      @Override
      public Optional<StoredKey> find(String label) throws TokenException {
        return store.find(label);
      }

      @Override
      public X509Certificate generate(String label, KeyAlgorithm algorithm, Certifier certifier)
          throws TokenException {
        X509Certificate made = store.generate(label, algorithm, certifier);
        if (generated.incrementAndGet() == failAt) {
          throw new TokenException("injected failure after key " + failAt, null);
        }
        return made;
      }

      @Override
      public Optional<MacKey> findMacKey(String label) throws TokenException {
        return store.findMacKey(label);
      }

      @Override
      public void generateMacKey(String label) throws TokenException {
        store.generateMacKey(label);
      }

      @Override
      public void mark(String label) throws TokenException {
        store.mark(label);
      }

      @Override
      public List<String> labels() throws TokenException {
        return store.labels();
      }

      @Override
      public void label(String from, String to) throws TokenException {
        store.label(from, to);
      }

      @Override
      public void destroy(String label) throws TokenException {
        store.destroy(label);
      }

      @Override
      public TokenHealth health() {
        return store.health();
      }

      @Override
      public void close() {}
    };
  }

  private static CaKeyStore.Certifier selfSigned(String commonName) {
    return (publicKey, newKey) ->
        CaCertificates.selfSigned(
            commonName,
            true,
            publicKey,
            newKey.algorithm(),
            BigInteger.valueOf(System.nanoTime()),
            Instant.now(),
            TEN_YEARS,
            Duration.ZERO,
            newKey::sign);
  }

  private static boolean verifies(
      X509Certificate certificate, KeyAlgorithm algorithm, byte[] data, byte[] signature)
      throws Exception {
    Signature verifier = Signature.getInstance(algorithm.signatureAlgorithm());
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(data);
    return verifier.verify(signature);
  }

  private static long count(List<String> labels, String label) {
    return labels.stream().filter(label::equals).count();
  }
}
