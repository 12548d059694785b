package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509ExtendedKeyManager;
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

  private static X509ExtendedKeyManager manager(PrivateKey key) {
    return (X509ExtendedKeyManager) TlsKeys.of(key, List.of()).getKeyManagers()[0];
  }

  private static PrivateKey generate(String algorithm) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
    generator.initialize(algorithm.equals("EC") ? 256 : 2048);
    return generator.generateKeyPair().getPrivate();
  }
}
