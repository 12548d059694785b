package dev.signet.server.testing;

import dev.signet.common.Csrs;
import dev.signet.common.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;

/** Node-side keys and CSRs for tests. */
public final class Keys {
  private Keys() {}

  public static KeyPair ec() {
    return generate(KeyAlgorithm.ECDSA_P256);
  }

  public static KeyPair generate(KeyAlgorithm algorithm) {
    try {
      return algorithm.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A CSR as a node would send it; the subject does not matter to Signet. */
  public static byte[] csr(KeyPair keys) {
    return Csrs.create(keys, "test");
  }

  public static com.google.protobuf.ByteString csrBytes(KeyPair keys) {
    return com.google.protobuf.ByteString.copyFrom(csr(keys));
  }
}
