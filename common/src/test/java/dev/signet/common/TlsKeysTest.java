package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The one credential is offered for its own key type only, on either side of a handshake. */
class TlsKeysTest {
  @Test
  void anEcKeyIsOfferedForEcKeyTypesOnly() throws Exception {
    PrivateKey key = generate("EC");
    X509ExtendedKeyManager manager = manager(key);

    assertEquals("signet", manager.chooseEngineServerAlias("EC", null, null));
    assertEquals("signet", manager.chooseEngineServerAlias("EC_EC", null, null));
    assertNull(manager.chooseEngineServerAlias("RSA", null, null));
    assertEquals("signet", manager.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null));
    assertNull(manager.chooseEngineClientAlias(new String[] {"RSA", "DSA"}, null, null));
    assertNull(manager.chooseEngineClientAlias(null, null, null));
    assertSame(key, manager.getPrivateKey("signet"));
    assertArrayEquals(new X509Certificate[0], manager.getCertificateChain("signet"));
  }

  @Test
  void anRsaKeyIsOfferedForRsaKeyTypesOnly() throws Exception {
    X509ExtendedKeyManager manager = manager(generate("RSA"));

    assertEquals("signet", manager.chooseEngineServerAlias("RSA", null, null));
    assertNull(manager.chooseEngineServerAlias("EC", null, null));
    assertEquals("signet", manager.chooseEngineClientAlias(new String[] {"EC", "RSA"}, null, null));
  }

  @Test
  void aCredentialIsOfferedOnlyToAPeerThatAcceptsItsIssuer() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    KeyPair keys = generator.generateKeyPair();
    X509Certificate issuedByEtcd = certificate(keys, "CN=etcd-healthcheck-client", "CN=etcd-ca");
    X509ExtendedKeyManager manager =
        (X509ExtendedKeyManager)
            TlsKeys.of(keys.getPrivate(), List.of(issuedByEtcd)).getKeyManagers()[0];
    String[] ec = {"EC"};

    assertEquals(
        "signet",
        manager.chooseEngineClientAlias(
            ec, new Principal[] {new X500Principal("CN=etcd-ca")}, null));
    assertEquals("signet", manager.chooseEngineClientAlias(ec, new Principal[0], null));
    assertNull(
        manager.chooseEngineClientAlias(
            ec, new Principal[] {new X500Principal("CN=signet-api-ca")}, null),
        "signetd asks for its signet-api CA: a cluster credential is not sent");
  }

  private static X509ExtendedKeyManager manager(PrivateKey key) {
    return (X509ExtendedKeyManager) TlsKeys.of(key, List.of()).getKeyManagers()[0];
  }

  private static X509Certificate certificate(KeyPair keys, String subject, String issuer)
      throws Exception {
    Instant now = Instant.now();
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    new X500Name(issuer),
                    BigInteger.ONE,
                    Date.from(now),
                    Date.from(now.plusSeconds(3600)),
                    new X500Name(subject),
                    keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
  }

  private static PrivateKey generate(String algorithm) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
    generator.initialize(algorithm.equals("EC") ? 256 : 2048);
    return generator.generateKeyPair().getPrivate();
  }
}
