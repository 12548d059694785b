package dev.signet.server.ca;

import dev.signet.server.config.SignetdConfig;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.ledger.CaGenerations;
import dev.signet.server.ledger.KeyGeneration;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.x509.X509;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CAs of the running daemon, by trust domain: for each, the generation that signs (active) and,
 * during a rotation, the ones components must still or already trust. Loaded from the token at
 * start-up and reloaded when a rotation changes the generations (by this daemon or another
 * replica); readers always see one consistent snapshot.
 */
public final class CaRegistry {
  /** One generation of a domain's CA as the daemon uses it. */
  public record Generation(
      int number,
      String label,
      KeyGeneration.State state,
      CertificateAuthority ca,
      Optional<X509Certificate> crossCertificate) {}

  private final Loader loader;
  private volatile Map<TrustDomain, List<Generation>> byDomain;

  private CaRegistry(Loader loader, Map<TrustDomain, List<Generation>> byDomain) {
    this.loader = loader;
    this.byDomain = byDomain;
  }

  /** A registry of one fixed CA per domain, never rotated (tests of the pipeline). */
  public CaRegistry(Map<TrustDomain, CertificateAuthority> cas) {
    this(null, single(cas));
  }

  /**
   * Opens the CA keys the configuration and the recorded rotations name. Domains that share a key
   * share one {@link CertificateAuthority}.
   *
   * @throws TokenException if a key or its certificate is missing (run init)
   */
  public static CaRegistry load(
      CaKeyStore keys, SignetdConfig.Cas cas, List<CaGenerations.Generation> recorded)
      throws TokenException {
    Loader loader = new Loader(keys, cas);
    return new CaRegistry(loader, loader.snapshot(recorded));
  }

  /** Adopts new recorded generations (after a rotation step). */
  public void reload(List<CaGenerations.Generation> recorded) throws TokenException {
    if (loader == null) {
      throw new IllegalStateException("this registry cannot be rotated");
    }
    byDomain = loader.snapshot(recorded);
  }

  /** The CA that signs the domain's new certificates. */
  public CertificateAuthority signingCa(TrustDomain domain) {
    return active(domain).ca();
  }

  /**
   * The CA certificates from the one that signs a new leaf up to its trust anchor: the active CA's
   * own; or, when it was cross-signed, the cross certificate and its issuer, so that a client that
   * trusts only the previous CA can still build a path.
   */
  public List<X509Certificate> chain(TrustDomain domain) {
    Generation active = active(domain);
    if (active.crossCertificate().isEmpty()) {
      return List.of(active.ca().certificate());
    }
    List<X509Certificate> chain = new ArrayList<>(List.of(active.crossCertificate().get()));
    byDomain.get(domain).stream()
        .filter(g -> g.number() == active.number() - 1)
        .findFirst()
        .ifPresent(previous -> chain.add(previous.ca().certificate()));
    return chain;
  }

  /**
   * The trust anchors a member of {@code domain} should trust: active first, then the others not
   * retired.
   */
  public List<X509Certificate> bundle(TrustDomain domain) {
    List<X509Certificate> bundle = new ArrayList<>(List.of(signingCa(domain).certificate()));
    for (Generation generation : byDomain.get(domain)) {
      if (generation.state() != KeyGeneration.State.ACTIVE
          && generation.state() != KeyGeneration.State.RETIRED) {
        bundle.add(generation.ca().certificate());
      }
    }
    return bundle;
  }

  /** The generations of a domain, oldest first, retired ones included. */
  public List<Generation> generations(TrustDomain domain) {
    return byDomain.get(domain);
  }

  /**
   * A generation of the domain's CA that still counts (not retired): {@code number}, or the active
   * one for 0; empty when there is none such.
   */
  public Optional<Generation> inUse(TrustDomain domain, int number) {
    if (number == 0) {
      return Optional.of(active(domain));
    }
    return byDomain.get(domain).stream()
        .filter(g -> g.number() == number && g.state() != KeyGeneration.State.RETIRED)
        .findFirst();
  }

  /** Every distinct CA not retired. */
  public Collection<CertificateAuthority> all() {
    Map<String, CertificateAuthority> cas = new LinkedHashMap<>();
    for (List<Generation> generations : byDomain.values()) {
      for (Generation generation : generations) {
        if (generation.state() != KeyGeneration.State.RETIRED) {
          cas.putIfAbsent(generation.ca().keyId(), generation.ca());
        }
      }
    }
    return cas.values();
  }

  /** A CA not retired, by its key identifier (hex), as the ledger names issuers. */
  public Optional<CertificateAuthority> byKeyId(String keyId) {
    return all().stream().filter(ca -> ca.keyId().equals(keyId)).findFirst();
  }

  private Generation active(TrustDomain domain) {
    return byDomain.get(domain).stream()
        .filter(g -> g.state() == KeyGeneration.State.ACTIVE)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no active CA for " + domain));
  }

  private static Map<TrustDomain, List<Generation>> single(
      Map<TrustDomain, CertificateAuthority> cas) {
    Map<TrustDomain, List<Generation>> byDomain = new EnumMap<>(TrustDomain.class);
    cas.forEach(
        (domain, ca) ->
            byDomain.put(
                domain,
                List.of(
                    new Generation(
                        1, ca.label(), KeyGeneration.State.ACTIVE, ca, Optional.empty()))));
    return byDomain;
  }

  /** Opens keys from the key store, each label once for the life of the daemon. */
  private static final class Loader {
    private final CaKeyStore keys;
    private final SignetdConfig.Cas cas;
    private final Map<String, CertificateAuthority> byLabel = new ConcurrentHashMap<>();

    Loader(CaKeyStore keys, SignetdConfig.Cas cas) {
      this.keys = keys;
      this.cas = cas;
    }

    Map<TrustDomain, List<Generation>> snapshot(List<CaGenerations.Generation> recorded)
        throws TokenException {
      Map<TrustDomain, List<Generation>> byDomain = new EnumMap<>(TrustDomain.class);
      for (TrustDomain domain : TrustDomain.values()) {
        List<Generation> generations = new ArrayList<>();
        for (CaGenerations.Generation generation : recorded) {
          if (generation.domain() == domain) {
            generations.add(
                new Generation(
                    generation.number(),
                    generation.keyLabel(),
                    generation.state(),
                    open(generation.keyLabel(), domain),
                    generation.crossCertificate().map(X509::parse)));
          }
        }
        if (generations.isEmpty()) {
          String label = cas.key(domain).object().orElseThrow();
          generations.add(
              new Generation(
                  1, label, KeyGeneration.State.ACTIVE, open(label, domain), Optional.empty()));
        }
        byDomain.put(domain, List.copyOf(generations));
      }
      return byDomain;
    }

    private CertificateAuthority open(String label, TrustDomain domain) throws TokenException {
      CertificateAuthority known = byLabel.get(label);
      if (known != null) {
        return known;
      }
      CaKeyStore.StoredKey key =
          keys.find(label)
              .orElseThrow(
                  () ->
                      new TokenException(
                          keys.description()
                              + " has no CA key with certificate labelled '"
                              + label
                              + "' (cas."
                              + domain.configKey()
                              + "); run 'signetd init' to create the CAs",
                          null));
      CertificateAuthority ca = new CertificateAuthority(label, key.certificate(), key.key());
      byLabel.put(label, ca);
      return ca;
    }
  }
}
