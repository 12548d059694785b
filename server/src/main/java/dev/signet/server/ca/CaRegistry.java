package dev.signet.server.ca;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.pkcs11.Pkcs11Token;
import dev.signet.server.keystore.pkcs11.TokenException;
import dev.signet.server.profile.TrustDomain;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/** The CAs of the running daemon, by trust domain, loaded from the token at start-up. */
public final class CaRegistry {
  private final Map<TrustDomain, IssuingCa> byDomain;

  public CaRegistry(Map<TrustDomain, IssuingCa> byDomain) {
    this.byDomain = new EnumMap<>(byDomain);
  }

  /**
   * Opens the CA key of every trust domain named in the configuration. Domains that share a key
   * share one {@link IssuingCa}.
   *
   * @throws TokenException if a configured key or its certificate is missing (run init)
   */
  public static CaRegistry load(
      Pkcs11Token token,
      SignetdConfig.Cas cas,
      int maxConcurrentSignatures,
      Duration maxSigningWait,
      TokenHealth health)
      throws TokenException {
    Semaphore signingSlots = new Semaphore(maxConcurrentSignatures, true);
    Map<String, IssuingCa> byLabel = new LinkedHashMap<>();
    Map<TrustDomain, IssuingCa> byDomain = new EnumMap<>(TrustDomain.class);
    for (TrustDomain domain : TrustDomain.values()) {
      Pkcs11Uri uri = cas.key(domain);
      String label = uri.object().orElseThrow();
      IssuingCa ca = byLabel.get(label);
      if (ca == null) {
        Pkcs11Token.TokenKey key =
            token
                .findKey(label)
                .orElseThrow(
                    () ->
                        new TokenException(
                            "the token has no CA key with certificate for "
                                + uri
                                + " (cas."
                                + domain.configKey()
                                + "); run 'signetd init' to create the CAs",
                            null));
        KeyAlgorithm algorithm =
            KeyAlgorithm.of(key.certificate().getPublicKey())
                .orElseThrow(
                    () -> new TokenException("CA " + uri + " has a key of no supported kind", null));
        ca =
            new IssuingCa(
                label,
                key.certificate(),
                new TokenCaKey(
                    key.privateKey(),
                    token.provider(),
                    algorithm,
                    signingSlots,
                    maxSigningWait,
                    health));
        byLabel.put(label, ca);
      }
      byDomain.put(domain, ca);
    }
    return new CaRegistry(byDomain);
  }

  public IssuingCa issuer(TrustDomain domain) {
    return byDomain.get(domain);
  }

  /** The trust anchors a member of {@code domain} should trust, current CA first. */
  public List<X509Certificate> bundle(TrustDomain domain) {
    return List.of(byDomain.get(domain).certificate());
  }

  /** Every distinct CA. */
  public Collection<IssuingCa> all() {
    return byDomain.values().stream().distinct().toList();
  }
}
