package dev.signet.server.daemon;

import dev.signet.common.KeyAlgorithm;

/** Profile conformance with an ECDSA P-256 CA (SHA256withECDSA), P-256 leaf keys. */
class EcdsaP256CaConformanceIT extends ProfileConformance {
  @Override
  KeyAlgorithm caAlgorithm() {
    return KeyAlgorithm.ECDSA_P256;
  }

  @Override
  KeyAlgorithm leafAlgorithm() {
    return KeyAlgorithm.ECDSA_P256;
  }

  @Override
  String signatureAlgorithmOid() {
    return "1.2.840.10045.4.3.2";
  }
}
