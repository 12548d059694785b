package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves that {@link KeyAlgorithm} admits exactly ECDSA P-256/P-384 and RSA 2048/3072/4096 with
 * exponent 65537 (whichever provider made the key), pairs each with the right signature algorithm,
 * and that {@link Csrs#create} makes CSRs whose proof of possession verifies.
 */
class KeyAlgorithmTest {
  private static final Provider BC = new BouncyCastleProvider();

  /** One generated key pair per algorithm; RSA-4096 is slow, so once per class. */
  private static final Map<KeyAlgorithm, KeyPair> KEYS = new EnumMap<>(KeyAlgorithm.class);

  @BeforeAll
  static void generate() throws Exception {
    for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
      KEYS.put(algorithm, algorithm.generateKeyPair());
    }
  }

  @Test
  void parsesNamesWhateverTheirCase() {
    assertEquals(KeyAlgorithm.ECDSA_P256, KeyAlgorithm.parse("ecdsa-p256"));
    assertEquals(KeyAlgorithm.ECDSA_P384, KeyAlgorithm.parse("ECDSA-P384"));
    assertEquals(KeyAlgorithm.RSA_2048, KeyAlgorithm.parse("RSA-2048"));
    assertEquals(KeyAlgorithm.RSA_3072, KeyAlgorithm.parse("Rsa-3072"));
    assertEquals(KeyAlgorithm.RSA_4096, KeyAlgorithm.parse(" rsa-4096 "));
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void idParsesBackToItsAlgorithm(KeyAlgorithm algorithm) {
    assertEquals(algorithm, KeyAlgorithm.parse(algorithm.id()));
    assertEquals(algorithm.id(), algorithm.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa-1024", "ed25519", "ecdsa-p521", "p256", "", "rsa2048"})
  void unknownNameErrorListsEveryChoice(String name) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> KeyAlgorithm.parse(name));

    for (String choice : List.of("ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096")) {
      assertTrue(e.getMessage().contains(choice), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void generatedKeysAreClassifiedAsTheirAlgorithm(KeyAlgorithm algorithm) {
    KeyPair keys = KEYS.get(algorithm);

    assertEquals(Optional.of(algorithm), KeyAlgorithm.of(keys.getPublic()));
    if (algorithm.isRsa()) {
      RSAPublicKey rsa = (RSAPublicKey) keys.getPublic();
      assertEquals(algorithm.bits(), rsa.getModulus().bitLength());
      assertEquals(BigInteger.valueOf(65537), rsa.getPublicExponent());
    }
  }

  @Test
  void classifiesEcKeysMadeByBouncyCastleToo() throws Exception {
    assertEquals(
        Optional.of(KeyAlgorithm.ECDSA_P256), KeyAlgorithm.of(ecWithBc("secp256r1").getPublic()));
    assertEquals(
        Optional.of(KeyAlgorithm.ECDSA_P384), KeyAlgorithm.of(ecWithBc("secp384r1").getPublic()));
  }

  @Test
  void curveOidsAreTheStandardOnes() {
    // RFC 5480 §2.1.1.1
    assertEquals("1.2.840.10045.3.1.7", KeyAlgorithm.ECDSA_P256.curveOid());
    assertEquals("1.3.132.0.34", KeyAlgorithm.ECDSA_P384.curveOid());
    assertThrows(IllegalStateException.class, KeyAlgorithm.RSA_2048::curveOid);
  }

  @Test
  void rejectsRsa1024() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(1024);

    assertEquals(Optional.empty(), KeyAlgorithm.of(generator.generateKeyPair().getPublic()));
  }

  @Test
  void rejectsRsa2048WithExponent3() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(new RSAKeyGenParameterSpec(2048, BigInteger.valueOf(3)));
    KeyPair keys = generator.generateKeyPair();

    assertEquals(2048, ((RSAPublicKey) keys.getPublic()).getModulus().bitLength());
    assertEquals(Optional.empty(), KeyAlgorithm.of(keys.getPublic()));
  }

  @Test
  void rejectsSecp256k1() throws Exception {
    assertEquals(Optional.empty(), KeyAlgorithm.of(ecWithBc("secp256k1").getPublic()));
  }

  @Test
  void rejectsBrainpoolAndP521() throws Exception {
    assertEquals(Optional.empty(), KeyAlgorithm.of(ecWithBc("brainpoolP256r1").getPublic()));
    assertEquals(Optional.empty(), KeyAlgorithm.of(ecWithBc("secp521r1").getPublic()));
  }

  @Test
  void rejectsEd25519() throws Exception {
    assertEquals(
        Optional.empty(),
        KeyAlgorithm.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic()));
  }

  @Test
  void rejectsDsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("DSA");
    generator.initialize(2048);

    assertEquals(Optional.empty(), KeyAlgorithm.of(generator.generateKeyPair().getPublic()));
  }

  @Test
  void signatureAlgorithmMatchesTheKeyStrength() {
    // RFC 5480 §4: SHA-256 with P-256, SHA-384 with P-384; kubernetes-profiles.md: RSA ->
    // SHA256withRSA.
    assertEquals("SHA256withECDSA", KeyAlgorithm.ECDSA_P256.signatureAlgorithm());
    assertEquals("SHA384withECDSA", KeyAlgorithm.ECDSA_P384.signatureAlgorithm());
    assertEquals("SHA256withRSA", KeyAlgorithm.RSA_2048.signatureAlgorithm());
    assertEquals("SHA256withRSA", KeyAlgorithm.RSA_3072.signatureAlgorithm());
    assertEquals("SHA256withRSA", KeyAlgorithm.RSA_4096.signatureAlgorithm());
  }

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void signatureAlgorithmSignsWithItsOwnKeys(KeyAlgorithm algorithm) throws Exception {
    KeyPair keys = KEYS.get(algorithm);
    byte[] data = {1, 2, 3};
    Signature signer = Signature.getInstance(algorithm.signatureAlgorithm());
    signer.initSign(keys.getPrivate());
    signer.update(data);
    byte[] signature = signer.sign();

    Signature verifier = Signature.getInstance(algorithm.signatureAlgorithm());
    verifier.initVerify(keys.getPublic());
    verifier.update(data);
    assertTrue(verifier.verify(signature));
  }

  @Test
  void familiesAndSizesAreConsistent() {
    for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
      assertTrue(algorithm.isEc() != algorithm.isRsa(), algorithm.id());
      assertTrue(algorithm.id().endsWith(Integer.toString(algorithm.bits())), algorithm.id());
    }
    assertFalse(KeyAlgorithm.ECDSA_P256.isRsa());
  }

  @ParameterizedTest
  @EnumSource(
      value = KeyAlgorithm.class,
      names = {"ECDSA_P256", "ECDSA_P384", "RSA_2048", "RSA_4096"})
  void csrsCreateARequestWhoseSignatureVerifies(KeyAlgorithm algorithm) throws Exception {
    KeyPair keys = KEYS.get(algorithm);

    PKCS10CertificationRequest csr =
        new PKCS10CertificationRequest(Csrs.create(keys, "system:node:worker-1", "system:nodes"));

    assertTrue(
        csr.isSignatureValid(
            new JcaContentVerifierProviderBuilder().setProvider(BC).build(keys.getPublic())));
    assertEquals(
        new org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder()
            .find(algorithm.signatureAlgorithm())
            .getAlgorithm(),
        csr.getSignatureAlgorithm().getAlgorithm());
    assertEquals(
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()),
        csr.getSubjectPublicKeyInfo());
    X500Name subject = csr.getSubject();
    assertEquals(
        "system:node:worker-1", subject.getRDNs(BCStyle.CN)[0].getFirst().getValue().toString());
    assertEquals("system:nodes", subject.getRDNs(BCStyle.O)[0].getFirst().getValue().toString());
  }

  @Test
  void csrSignedWithAnotherKeyDoesNotVerify() throws Exception {
    // the check above could not fail if isSignatureValid always said yes
    PKCS10CertificationRequest csr =
        new PKCS10CertificationRequest(Csrs.create(KEYS.get(KeyAlgorithm.ECDSA_P256), "x"));
    KeyPair other = KeyAlgorithm.ECDSA_P256.generateKeyPair();

    assertFalse(
        csr.isSignatureValid(
            new JcaContentVerifierProviderBuilder().setProvider(BC).build(other.getPublic())));
  }

  @Test
  void csrsRefuseKeysOfNoSupportedKind() throws Exception {
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

    assertThrows(IllegalArgumentException.class, () -> Csrs.create(ed, "x"));
  }

  private static KeyPair ecWithBc(String curve) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
    generator.initialize(new ECGenParameterSpec(curve));
    return generator.generateKeyPair();
  }
}
