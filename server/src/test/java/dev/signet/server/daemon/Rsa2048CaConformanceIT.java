package dev.signet.server.daemon;

import dev.signet.common.KeyAlgorithm;

/** Profile conformance with an RSA-2048 CA (SHA256withRSA), RSA-2048 leaf keys. */
class Rsa2048CaConformanceIT extends ProfileConformance {
  @Override
  KeyAlgorithm caAlgorithm() {
    return KeyAlgorithm.RSA_2048;
  }

  @Override
  KeyAlgorithm leafAlgorithm() {
    return KeyAlgorithm.RSA_2048;
  }

  @Override
  String signatureAlgorithmOid() {
    return "1.2.840.113549.1.1.11";
  }
}
