package dev.signet.server.testing;

import dev.signet.server.keystore.InMemoryKeyStore;
import dev.signet.server.ledger.RowSeals;

/**
 * Row seals for tests that build ledger stores without a daemon: keyed by one MAC key of an
 * in-memory key store, shared by every store of the test JVM (as replicas share the token).
 */
public final class TestSeals {
  private static final RowSeals KEYED = create();

  private TestSeals() {}

  public static RowSeals keyed() {
    return KEYED;
  }

  private static RowSeals create() {
    try {
      InMemoryKeyStore store = new InMemoryKeyStore("test-seals");
      store.generateMacKey(RowSeals.KEY_LABEL);
      RowSeals seals = new RowSeals();
      seals.use(store.findMacKey(RowSeals.KEY_LABEL).orElseThrow());
      return seals;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
