package dev.signet.server.daemon;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.audit.AuditKey;
import dev.signet.server.audit.StoredAuditKey;
import dev.signet.server.ca.CaCertificates;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.config.ConfigException;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.profile.TrustDomain;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The signet-api CA and the audit key may not be a cluster CA's key, nor each other's, even under
 * another label (the configuration check compares labels; this one the keys themselves).
 */
class SharedKeysTest {
  private static final KeyAlgorithm P256 = KeyAlgorithm.ECDSA_P256;

  @Test
  void separateKeysPass() throws Exception {
    assertDoesNotThrow(
        () -> Daemon.refuseSharedKeys(registry(key(), key(), key(), key()), audit(key())));
  }

  @Test
  void clusterCasMayShareOneKey() throws Exception {
    KeyPair one = key();
    assertDoesNotThrow(() -> Daemon.refuseSharedKeys(registry(one, one, one, key()), audit(key())));
  }

  @Test
  void theSignetApiCaWithAClusterCasKeyIsRefused() throws Exception {
    KeyPair shared = key();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> Daemon.refuseSharedKeys(registry(key(), shared, key(), shared), audit(key())));
    assertTrue(e.getMessage().contains("cas.signetApi and cas.etcd"), e.getMessage());
  }

  @Test
  void theAuditKeyWithACasKeyIsRefused() throws Exception {
    KeyPair shared = key();
    ConfigException cluster =
        assertThrows(
            ConfigException.class,
            () -> Daemon.refuseSharedKeys(registry(shared, key(), key(), key()), audit(shared)));
    assertTrue(cluster.getMessage().contains("audit.key and cas.kubernetes"), cluster.getMessage());
    KeyPair api = key();
    ConfigException signetApi =
        assertThrows(
            ConfigException.class,
            () -> Daemon.refuseSharedKeys(registry(key(), key(), key(), api), audit(api)));
    assertTrue(signetApi.getMessage().contains("same public key"), signetApi.getMessage());
  }

  private static KeyPair key() throws Exception {
    return P256.generateKeyPair();
  }

  private static CaRegistry registry(
      KeyPair kubernetes, KeyPair etcd, KeyPair frontProxy, KeyPair signetApi) throws Exception {
    Map<TrustDomain, CertificateAuthority> cas = new EnumMap<>(TrustDomain.class);
    cas.put(TrustDomain.KUBERNETES, ca("kubernetes", kubernetes));
    cas.put(TrustDomain.ETCD, ca("etcd-ca", etcd));
    cas.put(TrustDomain.FRONT_PROXY, ca("front-proxy-ca", frontProxy));
    cas.put(TrustDomain.SIGNET_API, ca("signet-api-ca", signetApi));
    return new CaRegistry(cas);
  }

  private static CertificateAuthority ca(String name, KeyPair keys) throws Exception {
    return new CertificateAuthority(name, certificate(name, keys), signer(keys));
  }

  private static AuditKey audit(KeyPair keys) throws Exception {
    return new StoredAuditKey(
        new CaKeyStore.StoredKey("signet-audit", certificate("signet-audit", keys), signer(keys)));
  }

  private static X509Certificate certificate(String name, KeyPair keys) throws Exception {
    return CaCertificates.selfSigned(
        name,
        true,
        keys.getPublic(),
        P256,
        BigInteger.TEN,
        Instant.now(),
        Duration.ofDays(1),
        Duration.ZERO,
        tbs -> sign(keys, tbs));
  }

  private static SigningKey signer(KeyPair keys) {
    return new SigningKey() {
      @Override
      public KeyAlgorithm algorithm() {
        return P256;
      }

      @Override
      public byte[] sign(byte[] data) {
        return SharedKeysTest.sign(keys, data);
      }
    };
  }

  private static byte[] sign(KeyPair keys, byte[] data) {
    try {
      Signature signature = Signature.getInstance(P256.signatureAlgorithm());
      signature.initSign(keys.getPrivate());
      signature.update(data);
      return signature.sign();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
