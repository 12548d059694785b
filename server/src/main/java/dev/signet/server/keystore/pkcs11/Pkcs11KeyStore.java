package dev.signet.server.keystore.pkcs11;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.keystore.TokenHealth;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;
import javax.security.auth.login.FailedLoginException;

/**
 * The CA keys in one PKCS#11 token, found by its label and logged in to once, through the JDK's
 * SunPKCS11 provider: its key store logs in and finds keys by label, and its signatures are pooled
 * and thread-safe. What the provider cannot do (select the token by label, create, relabel and
 * destroy objects with exact attributes) is {@link TokenObjects}'s.
 *
 * <p>Concurrent signatures are capped by one semaphore for all keys of the token: SunPKCS11 pools
 * at most a few idle sessions, and real HSMs allow few sessions, so unbounded parallelism only buys
 * session churn and queueing inside the device.
 *
 * <p>Security: private keys never leave the token, and the PIN is used for one {@code C_Login}.
 */
public final class Pkcs11KeyStore implements CaKeyStore {
  private static final Logger LOG = Logger.getLogger(Pkcs11KeyStore.class.getName());

  private final String description;
  private final TokenObjects objects;
  private final Provider provider;
  private final KeyStore keyStore;
  private final Semaphore signingSlots;
  private final Duration maxSigningWait;
  private final TokenHealth health = new TokenHealth();

  /** Whether objects changed since the provider's key store last read them. */
  private boolean stale;

  private Pkcs11KeyStore(
      String description,
      TokenObjects objects,
      Provider provider,
      KeyStore keyStore,
      int maxConcurrentSignatures,
      Duration maxSigningWait) {
    this.description = description;
    this.objects = objects;
    this.provider = provider;
    this.keyStore = keyStore;
    this.signingSlots = new Semaphore(maxConcurrentSignatures, true);
    this.maxSigningWait = maxSigningWait;
  }

  /**
   * Loads the PKCS#11 library, finds the one token {@code tokenUri} names and logs in with {@code
   * pin}, exactly once: a wrong PIN is reported, never retried, because real HSMs lock a PIN after
   * a few failures. The caller wipes {@code pin} afterwards. At most {@code
   * maxConcurrentSignatures} signatures run at once; a signer that waits longer than {@code
   * maxSigningWait} for its turn fails as busy.
   */
  public static Pkcs11KeyStore open(
      Path library,
      Pkcs11Uri tokenUri,
      char[] pin,
      Optional<Path> providerTemplate,
      int maxConcurrentSignatures,
      Duration maxSigningWait)
      throws TokenException {
    TokenObjects objects = TokenObjects.open(library, tokenUri);
    try {
      Provider provider = configureProvider(providerTemplate, library, objects.slot());
      KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
      try {
        keyStore.load(null, pin);
      } catch (IOException e) {
        if (wrongPin(e)) {
          throw new WrongPinException(tokenUri);
        }
        throw new TokenException("login to token " + tokenUri + " failed: " + e.getMessage(), e);
      }
      LOG.info(() -> "logged in to token " + tokenUri + " (slot " + objects.slot() + ")");
      return new Pkcs11KeyStore(
          "token " + tokenUri,
          objects,
          provider,
          keyStore,
          maxConcurrentSignatures,
          maxSigningWait);
    } catch (TokenException | GeneralSecurityException | RuntimeException e) {
      objects.close();
      if (e instanceof TokenException tokenException) {
        throw tokenException;
      }
      throw new TokenException("cannot read the objects of token " + tokenUri, e);
    }
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public synchronized Optional<StoredKey> find(String label) throws TokenException {
    try {
      if (stale) {
        keyStore.load(null, null);
        stale = false;
      }
      if (!keyStore.isKeyEntry(label)) {
        return Optional.empty();
      }
      // a secret key (the ledger seal key) is a key entry too, but signs no certificates
      if (!(keyStore.getKey(label, null) instanceof PrivateKey privateKey)) {
        return Optional.empty();
      }
      Certificate[] chain = keyStore.getCertificateChain(label);
      if (chain == null || chain.length == 0) {
        return Optional.empty();
      }
      X509Certificate certificate = (X509Certificate) chain[0];
      KeyAlgorithm algorithm =
          KeyAlgorithm.of(certificate.getPublicKey())
              .orElseThrow(
                  () -> new TokenException("key '" + label + "' is of no supported kind", null));
      return Optional.of(
          new StoredKey(
              label,
              certificate,
              new Pkcs11SigningKey(
                  privateKey, provider, algorithm, signingSlots, maxSigningWait, health)));
    } catch (GeneralSecurityException | IOException e) {
      throw new TokenException("cannot read key '" + label + "' from the token", e);
    }
  }

  @Override
  public synchronized X509Certificate generate(
      String label, KeyAlgorithm algorithm, Certifier certifier) throws TokenException {
    stale = true;
    TokenObjects.GeneratedKeyPair pair = objects.generateKeyPair(label, algorithm);
    try {
      SigningKey newKey =
          new SigningKey() {
            @Override
            public KeyAlgorithm algorithm() {
              return algorithm;
            }

            @Override
            public byte[] sign(byte[] data) throws SigningException {
              try {
                return objects.signWithNewKey(pair, data);
              } catch (TokenException e) {
                throw SigningException.tokenFailure(e.getMessage(), e);
              }
            }
          };
      X509Certificate certificate = certifier.certify(pair.publicKey(), newKey);
      objects.storeCertificate(label, certificate);
      return certificate;
    } catch (Exception e) {
      objects.destroy(pair);
      if (e instanceof TokenException tokenException) {
        throw tokenException;
      }
      throw new TokenException(
          "cannot make the certificate of the new key '" + label + "': " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<MacKey> findMacKey(String label) throws TokenException {
    OptionalLong handle = objects.secretKey(label);
    if (handle.isEmpty()) {
      return Optional.empty();
    }
    long key = handle.getAsLong();
    return Optional.of(
        data -> {
          if (!health.healthy()) {
            throw SigningException.tokenFailure(
                "the token failed earlier: " + health.failure().get(), null);
          }
          try {
            return objects.hmacSha256(key, data);
          } catch (TokenException e) {
            health.markFailed(e.getMessage());
            throw SigningException.tokenFailure(e.getMessage(), e);
          }
        });
  }

  @Override
  public synchronized void generateMacKey(String label) throws TokenException {
    stale = true;
    objects.generateSecretKey(label);
  }

  @Override
  public synchronized void mark(String label) throws TokenException {
    objects.createMarker(label);
  }

  @Override
  public synchronized List<String> labels() throws TokenException {
    return objects.labels();
  }

  @Override
  public synchronized void label(String from, String to) throws TokenException {
    stale = true;
    objects.relabel(from, to);
  }

  @Override
  public synchronized void destroy(String label) throws TokenException {
    stale = true;
    objects.destroy(label);
  }

  @Override
  public TokenHealth health() {
    return health;
  }

  @Override
  public void close() {
    objects.close();
  }

  @Override
  public String toString() {
    return "Pkcs11KeyStore[" + description + "]";
  }

  /** SunPKCS11 reports CKR_PIN_INCORRECT as a failed login inside the key store's IOException. */
  private static boolean wrongPin(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof FailedLoginException || cause instanceof UnrecoverableKeyException) {
        return true;
      }
    }
    return false;
  }

  private static Provider configureProvider(Optional<Path> template, Path library, long slot)
      throws TokenException {
    String text;
    try {
      if (template.isPresent()) {
        text = Files.readString(template.get());
      } else {
        try (InputStream in = Pkcs11KeyStore.class.getResourceAsStream("sunpkcs11.cfg.template")) {
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    } catch (IOException e) {
      throw new TokenException(
          "cannot read the SunPKCS11 configuration template: " + e.getMessage(), e);
    }
    // "--" marks inline configuration text rather than a file name (JDK 9+).
    String configuration =
        "--" + text.replace("@LIBRARY@", library.toString()).replace("@SLOT@", Long.toString(slot));
    try {
      return Security.getProvider("SunPKCS11").configure(configuration);
    } catch (RuntimeException e) {
      throw new TokenException(
          "SunPKCS11 cannot use slot " + slot + " of " + library + ": " + e.getMessage(), e);
    }
  }
}
