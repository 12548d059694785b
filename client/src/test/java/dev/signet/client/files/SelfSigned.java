package dev.signet.client.files;

import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A key pair and a self-signed certificate for it, as PEM: enough for file-level tests. */
record SelfSigned(KeyPair keys, byte[] certificatePem, byte[] keyPem) {
  static SelfSigned create(String commonName) {
    return create(commonName, Instant.now().minusSeconds(60), Duration.ofDays(365));
  }

  static SelfSigned create(String commonName, Instant notBefore, Duration lifetime) {
    try {
      KeyPair keys = KeyAlgorithm.ECDSA_P256.generateKeyPair();
      X500Name name = new X500Name("CN=" + commonName);
      byte[] der =
          new JcaX509v3CertificateBuilder(
                  name,
                  BigInteger.valueOf(System.nanoTime()),
                  Date.from(notBefore),
                  Date.from(notBefore.plus(lifetime)),
                  name,
                  keys.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
              .getEncoded();
      return new SelfSigned(
          keys, Pem.certificate(der).getBytes(StandardCharsets.US_ASCII), Pem.privateKey(keys));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
