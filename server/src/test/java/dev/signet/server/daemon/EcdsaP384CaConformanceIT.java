package dev.signet.server.daemon;

import dev.signet.common.KeyAlgorithm;

/** Profile conformance with an ECDSA P-384 CA (SHA384withECDSA), P-256 leaf keys. */
class EcdsaP384CaConformanceIT extends ProfileConformance {
  @Override
  KeyAlgorithm caAlgorithm() {
    return KeyAlgorithm.ECDSA_P384;
  }

  @Override
  KeyAlgorithm leafAlgorithm() {
    return KeyAlgorithm.ECDSA_P256;
  }

  @Override
  String signatureAlgorithmOid() {
    return "1.2.840.10045.4.3.3";
  }
}
