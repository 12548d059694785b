package dev.signet.server.keystore;

/** The key store contract on the in-memory store that in-process daemons use. */
class InMemoryKeyStoreTest extends CaKeyStoreContract {
  @Override
  CaKeyStore open() {
    return new InMemoryKeyStore("contract");
  }
}
