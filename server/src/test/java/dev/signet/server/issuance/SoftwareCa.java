package dev.signet.server.issuance;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.ca.CaCertificates;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.SigningKey;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CA whose key is a software key pair, for testing the issuance pipeline without a token: a
 * self-signed certificate made by the production {@link CaCertificates}, and a {@link SigningKey}
 * that can be told to sign, fail like a dead token, report busy, or return a corrupted signature.
 */
final class SoftwareCa {
  /** What the fake key does when asked to sign. */
  enum Behaviour {
    SIGN,
    TOKEN_FAILURE,
    BUSY,
    CORRUPT_SIGNATURE
  }

  /** A software CA key that counts its signatures (the tests' stand-in for C_Sign calls). */
  static final class Key implements SigningKey {
    private final KeyAlgorithm algorithm;
    private final PrivateKey privateKey;
    private final AtomicInteger signCalls = new AtomicInteger();
    private volatile Behaviour behaviour = Behaviour.SIGN;

    Key(KeyAlgorithm algorithm, PrivateKey privateKey) {
      this.algorithm = algorithm;
      this.privateKey = privateKey;
    }

    void behave(Behaviour behaviour) {
      this.behaviour = behaviour;
    }

    int signCalls() {
      return signCalls.get();
    }

    @Override
    public KeyAlgorithm algorithm() {
      return algorithm;
    }

    @Override
    public byte[] sign(byte[] data) throws SigningException {
      signCalls.incrementAndGet();
      switch (behaviour) {
        case TOKEN_FAILURE ->
            throw SigningException.tokenFailure(
                "CKR_DEVICE_ERROR", new IllegalStateException("token removed"));
        case BUSY -> throw SigningException.busy("every signing slot is taken");
        default -> {}
      }
      byte[] signature = signWith(privateKey, algorithm, data);
      if (behaviour == Behaviour.CORRUPT_SIGNATURE) {
        signature[signature.length / 2] ^= 0x01;
      }
      return signature;
    }
  }

  final KeyPair keys;
  final Key key;
  final X509Certificate certificate;
  final CertificateAuthority issuing;

  private SoftwareCa(KeyPair keys, Key key, X509Certificate certificate, String label) {
    this.keys = keys;
    this.key = key;
    this.certificate = certificate;
    this.issuing = new CertificateAuthority(label, certificate, key);
  }

  /**
   * A CA named {@code commonName}, created at {@code createdAt}: valid from {@code createdAt -
   * backdate} for {@code validity}.
   */
  static SoftwareCa create(
      String commonName,
      KeyAlgorithm algorithm,
      Instant createdAt,
      Duration validity,
      Duration backdate)
      throws Exception {
    KeyPair keys = algorithm.generateKeyPair();
    X509Certificate certificate =
        CaCertificates.selfSigned(
            commonName,
            true,
            keys.getPublic(),
            algorithm,
            BigInteger.ONE.shiftLeft(100).add(BigInteger.valueOf(createdAt.getEpochSecond())),
            createdAt,
            validity,
            backdate,
            tbs -> signWith(keys.getPrivate(), algorithm, tbs));
    return new SoftwareCa(
        keys, new Key(algorithm, keys.getPrivate()), certificate, commonName + "-ca");
  }

  private static byte[] signWith(PrivateKey key, KeyAlgorithm algorithm, byte[] data) {
    try {
      Signature signature = Signature.getInstance(algorithm.signatureAlgorithm());
      signature.initSign(key);
      signature.update(data);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
