package dev.signet.server.x509;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import java.security.KeyPair;
import java.security.Signature;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The native verification of a once-seen key (the CSR's) agrees with BouncyCastle's: valid
 * signatures verify, a flipped bit, another key's signature or other data do not.
 */
class SignaturesTest {
  private static final byte[] DATA =
      "to be signed".getBytes(java.nio.charset.StandardCharsets.UTF_8);

  @Test
  void verifiesNativelyOnLinuxX8664() {
    // The build and test machines are Linux x86-64: a silent fall back to BouncyCastle there
    // would be a lost optimisation, so it fails here.
    assertEquals(
        System.getProperty("os.name").equals("Linux")
            && System.getProperty("os.arch").equals("amd64"),
        Signatures.nativeVerification());
  }

  @ParameterizedTest
  @EnumSource(
      value = KeyAlgorithm.class,
      names = {"ECDSA_P256", "RSA_2048"})
  void nativeAndBouncyCastleAgree(KeyAlgorithm algorithm) throws Exception {
    KeyPair keys = algorithm.generateKeyPair();
    KeyPair other = algorithm.generateKeyPair();
    ASN1ObjectIdentifier oid =
        algorithm == KeyAlgorithm.ECDSA_P256
            ? X9ObjectIdentifiers.ecdsa_with_SHA256
            : PKCSObjectIdentifiers.sha256WithRSAEncryption;
    String name = algorithm == KeyAlgorithm.ECDSA_P256 ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] signature = sign(name, keys, DATA);
    byte[] flipped = signature.clone();
    flipped[flipped.length / 2] ^= 1;
    SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());

    assertTrue(verifyBoth(info, oid, DATA, signature));
    assertFalse(verifyBoth(info, oid, DATA, flipped));
    assertFalse(verifyBoth(info, oid, DATA, sign(name, other, DATA)));
    assertFalse(
        verifyBoth(
            info, oid, "other data".getBytes(java.nio.charset.StandardCharsets.UTF_8), signature));
    assertFalse(verifyBoth(info, oid, DATA, new byte[0]));
  }

  /**
   * A CA's verifier, reused for every check: it answers each check on its own, a refused signature
   * (which may leave a native Signature mid-way) changing nothing for the valid one after it.
   */
  @ParameterizedTest
  @EnumSource(
      value = KeyAlgorithm.class,
      names = {"ECDSA_P256", "RSA_2048"})
  void aReusedKeyVerifierAnswersEveryCheckOnItsOwn(KeyAlgorithm algorithm) throws Exception {
    KeyPair keys = algorithm.generateKeyPair();
    ASN1ObjectIdentifier oid =
        algorithm == KeyAlgorithm.ECDSA_P256
            ? X9ObjectIdentifiers.ecdsa_with_SHA256
            : PKCSObjectIdentifiers.sha256WithRSAEncryption;
    String name = algorithm == KeyAlgorithm.ECDSA_P256 ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] signature = sign(name, keys, DATA);
    byte[] flipped = signature.clone();
    flipped[flipped.length / 2] ^= 1;
    Signatures.KeyVerifier verifier =
        Signatures.keyVerifier(
            SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()), oid);

    for (int round = 0; round < 3; round++) {
      assertTrue(verifier.verify(DATA, signature));
      assertFalse(verifier.verify(DATA, flipped));
      assertFalse(verifier.verify(DATA, new byte[0]));
      assertFalse(verifier.verify(DATA, sign(name, algorithm.generateKeyPair(), DATA)));
      assertTrue(verifier.verify(DATA, signature));
    }
  }

  /** The answer of both routes, which must be the same. */
  private static boolean verifyBoth(
      SubjectPublicKeyInfo info, ASN1ObjectIdentifier oid, byte[] data, byte[] signature) {
    boolean bouncyCastle =
        Signatures.verify(Signatures.verificationKey(info), oid, data, signature);
    boolean once =
        Signatures.verifyOnce(info, Signatures.verificationKey(info), oid, data, signature);
    assertEquals(bouncyCastle, once, "native and BouncyCastle disagree");
    return once;
  }

  private static byte[] sign(String name, KeyPair keys, byte[] data) throws Exception {
    Signature signer = Signature.getInstance(name);
    signer.initSign(keys.getPrivate());
    signer.update(data);
    return signer.sign();
  }
}
