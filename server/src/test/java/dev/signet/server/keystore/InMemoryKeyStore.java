package dev.signet.server.keystore;

import dev.signet.common.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keys in this JVM's memory, for tests: a {@link CaKeyStore} that behaves as the token does (the
 * same objects under the same labels, one contract suite for both) without a PKCS#11 module, so
 * that any number of daemons run in one test JVM and restart with their keys. Never signetd's:
 * nothing in its configuration can select it.
 */
public final class InMemoryKeyStore implements CaKeyStore {
  private enum Kind {
    PUBLIC_KEY,
    PRIVATE_KEY,
    CERTIFICATE,
    SECRET_KEY,
    MARKER
  }

  /** One object, as a token holds it: a label, a kind and its value (none for a marker). */
  private static final class StoredObject {
    private String label;
    private final Kind kind;
    private final Object value;

    StoredObject(String label, Kind kind, Object value) {
      this.label = label;
      this.kind = kind;
      this.value = value;
    }
  }

  private final String name;
  private final List<StoredObject> objects = new ArrayList<>();
  private final TokenHealth health = new TokenHealth();
  private volatile boolean pulled;

  public InMemoryKeyStore(String name) {
    this.name = name;
  }

  @Override
  public String description() {
    return "in-memory key store '" + name + "'";
  }

  @Override
  public synchronized Optional<StoredKey> find(String label) {
    Optional<PrivateKey> key = value(label, Kind.PRIVATE_KEY, PrivateKey.class);
    Optional<X509Certificate> certificate = value(label, Kind.CERTIFICATE, X509Certificate.class);
    if (key.isEmpty() || certificate.isEmpty()) {
      return Optional.empty();
    }
    KeyAlgorithm algorithm = KeyAlgorithm.of(certificate.get().getPublicKey()).orElseThrow();
    return Optional.of(new StoredKey(label, certificate.get(), signer(key.get(), algorithm)));
  }

  @Override
  public synchronized X509Certificate generate(
      String label, KeyAlgorithm algorithm, Certifier certifier) throws TokenException {
    KeyPair pair;
    try {
      pair = algorithm.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new TokenException("cannot generate a " + algorithm + " key pair", e);
    }
    StoredObject publicKey = new StoredObject(label, Kind.PUBLIC_KEY, pair.getPublic());
    StoredObject privateKey = new StoredObject(label, Kind.PRIVATE_KEY, pair.getPrivate());
    objects.add(publicKey);
    objects.add(privateKey);
    try {
      X509Certificate certificate =
          certifier.certify(pair.getPublic(), signer(pair.getPrivate(), algorithm));
      objects.add(new StoredObject(label, Kind.CERTIFICATE, certificate));
      return certificate;
    } catch (Exception e) {
      objects.remove(publicKey);
      objects.remove(privateKey);
      throw new TokenException(
          "cannot make the certificate of the new key '" + label + "': " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized Optional<MacKey> findMacKey(String label) {
    return value(label, Kind.SECRET_KEY, SecretKey.class)
        .map(
            key ->
                data -> {
                  if (!health.healthy()) {
                    throw SigningException.tokenFailure(
                        "the key store failed earlier: " + health.failure().get(), null);
                  }
                  try {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(key);
                    return mac.doFinal(data);
                  } catch (GeneralSecurityException e) {
                    throw SigningException.tokenFailure("MAC failed: " + e.getMessage(), e);
                  }
                });
  }

  @Override
  public synchronized void generateMacKey(String label) {
    byte[] value = new byte[32];
    new SecureRandom().nextBytes(value);
    objects.add(new StoredObject(label, Kind.SECRET_KEY, new SecretKeySpec(value, "HmacSHA256")));
  }

  @Override
  public synchronized void mark(String label) {
    objects.add(new StoredObject(label, Kind.MARKER, null));
  }

  @Override
  public synchronized List<String> labels() {
    return objects.stream().map(o -> o.label).toList();
  }

  @Override
  public synchronized void label(String from, String to) {
    objects.stream().filter(o -> o.label.equals(from)).forEach(o -> o.label = to);
  }

  @Override
  public synchronized void destroy(String label) {
    objects.removeIf(o -> o.label.equals(label));
  }

  /** Takes the token away: the next signature fails as a device error, and health with it. */
  public void pull() {
    pulled = true;
  }

  @Override
  public TokenHealth health() {
    return health;
  }

  /** Nothing to release: the keys stay for the next daemon that opens this store. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "InMemoryKeyStore[" + name + "]";
  }

  private <T> Optional<T> value(String label, Kind kind, Class<T> type) {
    return objects.stream()
        .filter(o -> o.kind == kind && o.label.equals(label))
        .map(o -> type.cast(o.value))
        .findFirst();
  }

  private SigningKey signer(PrivateKey key, KeyAlgorithm algorithm) {
    return new SigningKey() {
      @Override
      public KeyAlgorithm algorithm() {
        return algorithm;
      }

      @Override
      public byte[] sign(byte[] data) throws SigningException {
        if (pulled) {
          // what a token removed from its slot does to a signature, and to the token's health
          health.markFailed("the token was pulled out");
          throw SigningException.tokenFailure("signing failed: the token is gone", null);
        }
        if (!health.healthy()) {
          throw SigningException.tokenFailure(
              "the key store failed earlier: " + health.failure().get(), null);
        }
        try {
          Signature signature = Signature.getInstance(algorithm.signatureAlgorithm());
          signature.initSign(key);
          signature.update(data);
          return signature.sign();
        } catch (GeneralSecurityException e) {
          throw SigningException.tokenFailure("signing failed: " + e.getMessage(), e);
        }
      }
    };
  }
}
