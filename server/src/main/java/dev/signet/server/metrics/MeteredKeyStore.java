package dev.signet.server.metrics;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.keystore.TokenHealth;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/** A key store whose signatures are counted and timed; everything else passes through. */
public final class MeteredKeyStore implements CaKeyStore {
  private final CaKeyStore store;
  private final SignetdMetrics metrics;

  public MeteredKeyStore(CaKeyStore store, SignetdMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  @Override
  public String description() {
    return store.description();
  }

  @Override
  public Optional<StoredKey> find(String label) throws TokenException {
    return store
        .find(label)
        .map(found -> new StoredKey(found.label(), found.certificate(), metered(found.key())));
  }

  private SigningKey metered(SigningKey key) {
    return new SigningKey() {
      @Override
      public KeyAlgorithm algorithm() {
        return key.algorithm();
      }

      @Override
      public byte[] sign(byte[] data) throws SigningException {
        long start = System.nanoTime();
        String outcome = "error";
        try {
          byte[] signature = key.sign(data);
          outcome = "ok";
          return signature;
        } finally {
          metrics
              .signatures
              .labelValues(outcome)
              .observe(SignetdMetrics.seconds(System.nanoTime() - start));
        }
      }
    };
  }

  @Override
  public X509Certificate generate(String label, KeyAlgorithm algorithm, Certifier certifier)
      throws TokenException {
    return store.generate(label, algorithm, certifier);
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
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return store.toString();
  }
}
