package dev.signet.server.keystore;

import dev.signet.server.testing.InProcessToken;

/**
 * The key store contract on a real SoftHSM2 token through SunPKCS11: the JVM's one in-process
 * token, opened (and logged in to) anew for each test.
 */
class Pkcs11KeyStoreIT extends CaKeyStoreContract {
  @Override
  CaKeyStore open() throws Exception {
    return InProcessToken.open();
  }
}
