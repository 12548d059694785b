package dev.signet.server.issuance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.profile.Profile;
import dev.signet.server.testing.HostileCsrs;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPrivateKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.BERSequence;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Proves that {@link CsrParser} accepts the CSRs real clients send (ECDSA P-256/P-384, RSA
 * 2048/3072/4096, with harmless extensions) and refuses each hostile input of reliability catalogue
 * §4 (A1, A3-A14, A24-A27) with the documented reason code and a message that shows no Java
 * internals.
 */
class CsrParserTest {
  private static final Provider BC = new BouncyCastleProvider();
  private static final X500Name SUBJECT = new X500Name("O=system:nodes,CN=system:node:worker-1");

  /**
   * What a message shown to a caller must never contain: stack frames, exception or class names.
   */
  private static final Pattern INTERNALS =
      Pattern.compile(
          "(Exception|\\tat |\\bjava\\.|\\bjavax\\.|\\bsun\\.|org\\.bouncycastle|\\b[a-z]+\\.[a-z]+\\.[A-Z]\\w+)");

  private static final Map<KeyAlgorithm, KeyPair> KEYS = new EnumMap<>(KeyAlgorithm.class);

  private final CsrParser parser = new CsrParser();

  @BeforeAll
  static void generateKeys() throws Exception {
    for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
      KEYS.put(algorithm, algorithm.generateKeyPair());
    }
  }

  // --- accepted -------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(KeyAlgorithm.class)
  void acceptsEveryAllowedKey(KeyAlgorithm algorithm) throws Exception {
    KeyPair keys = KEYS.get(algorithm);
    byte[] der = csr(keys, algorithm.signatureAlgorithm(), b -> {});

    CsrParser.ValidatedCsr validated = parser.parse(der, Profile.KUBELET_CLIENT);

    assertEquals(algorithm, validated.keyAlgorithm());
    assertEquals(
        SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()), validated.publicKey());
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(der), validated.sha256());
  }

  @ParameterizedTest
  @MethodSource("strongerHashes")
  void acceptsSha2SignaturesStrongerThanTheDefault(
      KeyAlgorithm algorithm, String signatureAlgorithm) throws Exception {
    byte[] der = csr(KEYS.get(algorithm), signatureAlgorithm, b -> {});

    assertEquals(algorithm, parser.parse(der, Profile.ADMIN).keyAlgorithm());
  }

  static Stream<Arguments> strongerHashes() {
    return Stream.of(
        Arguments.of(KeyAlgorithm.ECDSA_P256, "SHA384withECDSA"),
        Arguments.of(KeyAlgorithm.ECDSA_P256, "SHA512withECDSA"),
        Arguments.of(KeyAlgorithm.ECDSA_P384, "SHA256withECDSA"),
        Arguments.of(KeyAlgorithm.RSA_2048, "SHA384withRSA"),
        Arguments.of(KeyAlgorithm.RSA_2048, "SHA512withRSA"));
  }

  @Test
  void acceptsAClientCsrAskingForSansAndClientAuth() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e -> {
                      e.addExtension(
                          Extension.subjectAlternativeName,
                          false,
                          new GeneralNames(new GeneralName(GeneralName.dNSName, "worker-1")));
                      e.addExtension(
                          Extension.extendedKeyUsage,
                          false,
                          new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
                      e.addExtension(
                          Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                      e.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                    }));

    assertEquals(KeyAlgorithm.ECDSA_P256, parser.parse(der, Profile.KUBELET_CLIENT).keyAlgorithm());
  }

  @Test
  void acceptsBothUsagesOnAnEtcdProfile() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            Extension.extendedKeyUsage,
                            false,
                            new ExtendedKeyUsage(
                                new KeyPurposeId[] {
                                  KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                                }))));

    assertEquals(KeyAlgorithm.ECDSA_P256, parser.parse(der, Profile.ETCD_PEER).keyAlgorithm());
  }

  @Test
  void acceptsAnUnknownNonCriticalExtension() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"),
                            false,
                            new DERUTF8String("hello"))));

    assertEquals(KeyAlgorithm.ECDSA_P256, parser.parse(der, Profile.KUBELET_CLIENT).keyAlgorithm());
  }

  // --- framing (A1, A3-A6, A14) ---------------------------------------------------------------

  @Test
  void emptyCsrIsMissing() {
    assertRejected("CSR_MISSING", new byte[0], Profile.KUBELET_CLIENT);
  }

  @Test
  void csrOverEightKibIsTooLargeButEightKibIsParsed() {
    assertRejected("CSR_TOO_LARGE", new byte[8 * 1024 + 1], Profile.KUBELET_CLIENT);
    // at the limit the size passes and the (zero) bytes are judged as DER instead
    assertRejected("CSR_MALFORMED", new byte[8 * 1024], Profile.KUBELET_CLIENT);
  }

  @Test
  void oversizedButOtherwiseValidCsrIsTooLarge() throws Exception {
    GeneralName[] names = new GeneralName[400];
    for (int i = 0; i < names.length; i++) {
      names[i] = new GeneralName(GeneralName.dNSName, "name-" + i + ".worker-1.example");
    }
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            Extension.subjectAlternativeName, false, new GeneralNames(names))));
    assertTrue(der.length > 8 * 1024);

    assertRejected("CSR_TOO_LARGE", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void pemTextIsNotDer() throws Exception {
    byte[] der = csr(ec(), "SHA256withECDSA", b -> {});
    String pem =
        "-----BEGIN CERTIFICATE REQUEST-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END CERTIFICATE REQUEST-----\n";

    assertRejected("CSR_NOT_DER", pem.getBytes(StandardCharsets.US_ASCII), Profile.KUBELET_CLIENT);
  }

  @Test
  void truncatedDerIsMalformed() throws Exception {
    byte[] der = csr(ec(), "SHA256withECDSA", b -> {});

    assertRejected("CSR_MALFORMED", Arrays.copyOf(der, der.length - 10), Profile.KUBELET_CLIENT);
    assertRejected("CSR_MALFORMED", Arrays.copyOf(der, 1), Profile.KUBELET_CLIENT);
  }

  @Test
  void derWithTrailingBytesIsMalformed() throws Exception {
    byte[] der = csr(ec(), "SHA256withECDSA", b -> {});

    assertRejected("CSR_MALFORMED", concat(der, new byte[] {0, 0}), Profile.KUBELET_CLIENT);
    assertRejected("CSR_MALFORMED", concat(der, der), Profile.KUBELET_CLIENT);
  }

  @Test
  void indefiniteLengthBerIsRefused() throws Exception {
    ASN1Sequence request = ASN1Sequence.getInstance(csr(ec(), "SHA256withECDSA", b -> {}));
    ASN1EncodableVector fields = new ASN1EncodableVector();
    for (ASN1Encodable field : request) {
      fields.add(field);
    }
    byte[] ber = new BERSequence(fields).getEncoded(ASN1Encoding.BER);
    assertEquals((byte) 0x80, ber[1], "indefinite length form");

    assertRejectedAsNonCanonical(ber);
  }

  @Test
  void nonMinimalLengthIsRefused() throws Exception {
    byte[] der = csr(ec(), "SHA256withECDSA", b -> {});
    // An EC CSR is 128..255 bytes: its outer length is 0x81 LL; write it as 0x82 00 LL instead.
    assertEquals((byte) 0x81, der[1]);
    byte[] longForm = new byte[der.length + 1];
    longForm[0] = der[0];
    longForm[1] = (byte) 0x82;
    longForm[2] = 0;
    System.arraycopy(der, 2, longForm, 3, der.length - 2);

    assertRejectedAsNonCanonical(longForm);
  }

  @Test
  void booleanTrueNotEncodedAsFfIsRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            Extension.basicConstraints, true, new BasicConstraints(false))));
    int at = indexOf(der, new byte[] {0x01, 0x01, (byte) 0xff});
    assertTrue(at > 0, "the critical flag is in the DER");
    der[at + 2] = 0x01; // BER allows any non-zero octet for TRUE; DER only 0xFF

    assertRejectedAsNonCanonical(der);
  }

  static Stream<byte[]> notACertificationRequest() {
    return Stream.of(
        new byte[] {0x02, 0x01, 0x05}, // an INTEGER
        new byte[] {0x04, 0x02, 0x01, 0x02}, // an OCTET STRING
        new byte[] {0x30, 0x00}, // an empty SEQUENCE
        new byte[] {0x30, 0x03, 0x02, 0x01, 0x05}, // SEQUENCE { INTEGER }
        new byte[] {
          0x30, 0x09, 0x30, 0x03, 0x02, 0x01, 0x00, 0x30, 0x00, 0x03, 0x00
        }, // bad BIT STRING
        new byte[] {0x31, 0x00}, // a SET
        new byte[] {(byte) 0xa0, 0x03, 0x02, 0x01, 0x05}, // a tagged object
        new byte[] {0x30, (byte) 0x84, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}, // huge length
        "hello, world".getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * BUG (fails today for the INTEGER, OCTET STRING, SET and tagged-object inputs): the message
   * passes on BouncyCastle's "unknown object in getInstance: org.bouncycastle.asn1.ASN1Integer", a
   * Java class name, to the caller; CsrParser.safe() only bounds length and printability.
   */
  @ParameterizedTest
  @MethodSource("notACertificationRequest")
  void derThatIsNotACertificationRequestIsMalformedAndTheMessageShowsNoJavaInternals(byte[] der) {
    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> parser.parse(der, Profile.KUBELET_CLIENT));

    assertEquals("CSR_MALFORMED", e.reason(), e.getMessage());
    assertSafeMessage(e);
  }

  // --- proof of possession and signature algorithm (A7, A8) -----------------------------------

  @ParameterizedTest
  @EnumSource(
      value = KeyAlgorithm.class,
      names = {"ECDSA_P256", "RSA_2048"})
  void flippedSignatureBitIsAnInvalidSignature(KeyAlgorithm algorithm) throws Exception {
    byte[] der = csr(KEYS.get(algorithm), algorithm.signatureAlgorithm(), b -> {});
    der[der.length - 1] ^= 0x01;

    assertRejected("CSR_SIGNATURE_INVALID", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void signatureWithUnusedBitsIsMalformedNotAnInternalError() throws Exception {
    CertificationRequest valid =
        CertificationRequest.getInstance(
            csr(KEYS.get(KeyAlgorithm.RSA_2048), "SHA256withRSA", b -> {}));
    byte[] signature = valid.getSignature().getOctets();
    signature[signature.length - 1] &= (byte) 0xe0; // DER: the 5 unused bits are zero
    byte[] der =
        new CertificationRequest(
                valid.getCertificationRequestInfo(),
                valid.getSignatureAlgorithm(),
                new DERBitString(signature, 5))
            .getEncoded(ASN1Encoding.DER);

    assertRejected("CSR_MALFORMED", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void csrSignedByAnotherKeyIsAnInvalidSignature() throws Exception {
    byte[] der =
        csr(
            KEYS.get(KeyAlgorithm.ECDSA_P256).getPublic(),
            ec().getPrivate(),
            "SHA256withECDSA",
            BC,
            b -> {});

    assertRejected("CSR_SIGNATURE_INVALID", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void changedSubjectBreaksTheSignature() throws Exception {
    byte[] der = csr(ec(), "SHA256withECDSA", b -> {});
    int at = indexOf(der, "worker-1".getBytes(StandardCharsets.US_ASCII));
    der[at + 7] = '2';

    assertRejected("CSR_SIGNATURE_INVALID", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void sha1SignedRsaCsrIsRefusedForItsSignatureAlgorithm() throws Exception {
    IssuanceException.InvalidRequest e =
        assertRejected(
            "CSR_SIGNATURE_ALGORITHM",
            csr(KEYS.get(KeyAlgorithm.RSA_2048), "SHA1withRSA", b -> {}),
            Profile.KUBELET_CLIENT);

    assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
  }

  @Test
  void sha1SignedEcdsaCsrIsRefusedForItsSignatureAlgorithm() throws Exception {
    assertRejected(
        "CSR_SIGNATURE_ALGORITHM", csr(ec(), "SHA1withECDSA", b -> {}), Profile.KUBELET_CLIENT);
  }

  @Test
  void rsaPssSignedCsrIsRefusedForItsSignatureAlgorithm() throws Exception {
    KeyPair rsa = KEYS.get(KeyAlgorithm.RSA_2048);

    assertRejected(
        "CSR_SIGNATURE_ALGORITHM",
        csr(rsa.getPublic(), rsa.getPrivate(), "SHA256withRSAandMGF1", BC, b -> {}),
        Profile.KUBELET_CLIENT);
  }

  // --- key policy (A9-A13) --------------------------------------------------------------------

  @Test
  void rsa1024IsNotAllowed() throws Exception {
    assertKeyNotAllowed(rsa(1024, RSAKeyGenParameterSpec.F4), "SHA256withRSA", null, "1024");
  }

  @Test
  void rsa2047IsNotAllowed() throws Exception {
    assertKeyNotAllowed(rsa(2047, RSAKeyGenParameterSpec.F4), "SHA256withRSA", null, "2047");
  }

  @Test
  void rsa2048WithExponent3IsNotAllowed() throws Exception {
    assertKeyNotAllowed(rsa(2048, BigInteger.valueOf(3)), "SHA256withRSA", null, "exponent 3");
  }

  @Test
  void secp256k1IsNotAllowed() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
    generator.initialize(new ECGenParameterSpec("secp256k1"));

    assertKeyNotAllowed(generator.generateKeyPair(), "SHA256withECDSA", BC, "secp256k1");
  }

  @Test
  void explicitCurveParametersAreNotAllowed() throws Exception {
    // P-256 itself, but spelled out instead of named (catalogue A12)
    SubjectPublicKeyInfo named = SubjectPublicKeyInfo.getInstance(ec().getPublic().getEncoded());
    SubjectPublicKeyInfo explicit =
        new SubjectPublicKeyInfo(
            new AlgorithmIdentifier(
                X9ObjectIdentifiers.id_ecPublicKey,
                new X962Parameters(ECNamedCurveTable.getByOID(SECObjectIdentifiers.secp256r1))),
            named.getPublicKeyData().getBytes());

    IssuanceException.InvalidRequest e =
        assertRejected("KEY_NOT_ALLOWED", csrFor(explicit), Profile.KUBELET_CLIENT);

    assertTrue(e.getMessage().contains("explicit"), e.getMessage());
  }

  @Test
  void ecPointOffTheCurveIsRefused() throws Exception {
    byte[] point = new byte[65];
    point[0] = 0x04;
    Arrays.fill(point, 1, 65, (byte) 0x11);
    SubjectPublicKeyInfo offCurve =
        new SubjectPublicKeyInfo(
            new AlgorithmIdentifier(
                X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp256r1),
            point);

    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> parser.parse(csrFor(offCurve), Profile.KUBELET_CLIENT));

    assertEquals("KEY_MALFORMED", e.reason(), e.getMessage());
    assertSafeMessage(e);
  }

  @Test
  void ed25519CsrIsRefused() throws Exception {
    // A genuine Ed25519 CSR is signed with Ed25519, which the signature-algorithm rule refuses
    // before the key is looked at.
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

    assertRejected("CSR_SIGNATURE_ALGORITHM", csr(ed, "Ed25519", b -> {}), Profile.KUBELET_CLIENT);
  }

  @Test
  void ed25519KeyIsNotAllowedEvenUnderAnAllowedSignatureAlgorithm() throws Exception {
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

    IssuanceException.InvalidRequest e =
        assertRejected(
            "KEY_NOT_ALLOWED",
            csr(ed.getPublic(), ec().getPrivate(), "SHA256withECDSA", BC, b -> {}),
            Profile.KUBELET_CLIENT);

    assertTrue(e.getMessage().contains("Ed25519"), e.getMessage());
  }

  @Test
  void dsa2048CsrIsRefused() throws Exception {
    KeyPair dsa = dsa2048();

    assertRejected(
        "CSR_SIGNATURE_ALGORITHM", csr(dsa, "SHA256withDSA", b -> {}), Profile.KUBELET_CLIENT);
  }

  @Test
  void dsaKeyIsNotAllowedEvenUnderAnAllowedSignatureAlgorithm() throws Exception {
    IssuanceException.InvalidRequest e =
        assertRejected(
            "KEY_NOT_ALLOWED",
            csr(dsa2048().getPublic(), ec().getPrivate(), "SHA256withECDSA", BC, b -> {}),
            Profile.KUBELET_CLIENT);

    assertTrue(e.getMessage().contains("DSA"), e.getMessage());
  }

  @Test
  void rsaModulusWithPrimesCloseEnoughForFermatIsWeak() throws Exception {
    // p and q consecutive primes near 2^1023.5: n has 2048 bits and Fermat's method finds them at
    // once. The CSR is properly signed with the weak key, so only the modulus check can refuse it.
    SecureRandom random = new SecureRandom();
    BigInteger root = BigInteger.ONE.shiftLeft(2047).sqrt().add(BigInteger.ONE.shiftLeft(1000));
    BigInteger p = root.add(new BigInteger(512, random)).nextProbablePrime();
    BigInteger q = p.nextProbablePrime();

    IssuanceException.InvalidRequest e =
        assertRejected("KEY_WEAK", csrWithRsaFactors(p, q), Profile.KUBELET_CLIENT);

    assertTrue(e.getMessage().contains("factored"), e.getMessage());
  }

  @Test
  void rsaModulusWithTheSmallFactor3IsWeak() throws Exception {
    // n = 3 * q with exactly 2048 bits, properly signed with the matching (weak) private key.
    // BUG (fails today, reason KEY_MALFORMED): CsrParser decodes the key with BouncyCastle before
    // its own modulus check, and BouncyCastle's RSAKeyParameters already refuses moduli with small
    // factors ("RSA modulus has a small prime factor"), so CsrParser.checkRsaModulus's small-factor
    // branch is unreachable and the audit reason says the key could not be decoded.
    // q in [0.75, 1) * 2^2046 makes 3q lie in [1.125, 1.5) * 2^2047: exactly 2048 bits.
    BigInteger three = BigInteger.valueOf(3);
    BigInteger q =
        new BigInteger(2046, new SecureRandom()).setBit(2045).setBit(2044).nextProbablePrime();

    assertRejected("KEY_WEAK", csrWithRsaFactors(three, q), Profile.KUBELET_CLIENT);
  }

  @Test
  void evenRsaModulusIsWeak() throws Exception {
    // n = 2 * q: factored by looking at its last bit. Signing works (RSA mod 2 is the identity).
    // BUG (fails today, reason KEY_MALFORMED): as for the factor 3, BouncyCastle refuses the key
    // while decoding ("RSA modulus is even"); and CsrParser's own SMALL_PRIMES product starts at 3,
    // so its check would not catch an even modulus either once it runs first.
    SecureRandom random = new SecureRandom();
    BigInteger q = BigInteger.probablePrime(2047, random);

    assertRejected("KEY_WEAK", csrWithRsaFactors(BigInteger.TWO, q), Profile.KUBELET_CLIENT);
  }

  // --- what the CSR asks for (A24-A27) --------------------------------------------------------

  @Test
  void csrAskingToBeACaIsRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            Extension.basicConstraints, true, new BasicConstraints(true))));

    assertRejected("CSR_ASKS_CA", der, Profile.APISERVER);
  }

  @Test
  void csrAskingForAPathLengthCaIsRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            Extension.basicConstraints, false, new BasicConstraints(0))));

    assertRejected("CSR_ASKS_CA", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void csrAskingForKeyCertSignIsRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign))));

    assertRejected("CSR_ASKS_CA", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void csrAskingForCrlSignIsRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e -> e.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.cRLSign))));

    assertRejected("CSR_ASKS_CA", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void serverAuthOnAClientProfileIsAnExtraUsage() throws Exception {
    byte[] der = csrWithUsages(KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth);

    assertRejected("CSR_EXTRA_EKU", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void clientAuthOnAServerProfileIsAnExtraUsage() throws Exception {
    assertRejected(
        "CSR_EXTRA_EKU", csrWithUsages(KeyPurposeId.id_kp_clientAuth), Profile.KUBELET_SERVING);
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void codeSigningIsAnExtraUsageOnEveryProfile(Profile profile) throws Exception {
    assertRejected("CSR_EXTRA_EKU", csrWithUsages(KeyPurposeId.id_kp_codeSigning), profile);
  }

  @Test
  void anyExtendedKeyUsageIsAnExtraUsage() throws Exception {
    assertRejected(
        "CSR_EXTRA_EKU", csrWithUsages(KeyPurposeId.anyExtendedKeyUsage), Profile.ETCD_SERVER);
  }

  @Test
  void unknownCriticalExtensionIsRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"),
                            true,
                            new DERUTF8String("must-obey"))));

    assertRejected("CSR_UNKNOWN_CRITICAL_EXTENSION", der, Profile.KUBELET_CLIENT);
  }

  /** Issue 10: such a CSR ended in INTERNAL with a stack trace in the log. */
  @ParameterizedTest
  @MethodSource("extensionsNotDer")
  void anExtensionValueThatIsNotDerIsInvalid(ASN1ObjectIdentifier type, boolean critical)
      throws Exception {
    for (byte[] value :
        List.of(
            new byte[] {0x30, 0x05, (byte) 0x82, 0x03}, new byte[] {(byte) 0xff}, new byte[0])) {
      byte[] der = HostileCsrs.extensionValueNotDer(type, critical, value);

      IssuanceException.InvalidRequest e =
          assertRejected("CSR_EXTENSIONS", der, Profile.KUBELET_CLIENT);
      assertTrue(e.getMessage().contains(type.getId()), e.getMessage());
    }
  }

  static Stream<Arguments> extensionsNotDer() {
    return Stream.of(
        Arguments.of(Extension.subjectAlternativeName, false),
        Arguments.of(Extension.basicConstraints, true),
        Arguments.of(Extension.keyUsage, true),
        Arguments.of(Extension.extendedKeyUsage, false),
        Arguments.of(Extension.subjectKeyIdentifier, false),
        Arguments.of(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.2"), false),
        Arguments.of(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.3"), true));
  }

  @Test
  void criticalNameConstraintsAreRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b, e -> e.addExtension(Extension.nameConstraints, true, new DERSequence())));

    assertRejected("CSR_UNKNOWN_CRITICAL_EXTENSION", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void challengePasswordAttributeIsRefusedWithoutEchoingThePassword() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                b.addAttribute(
                    PKCSObjectIdentifiers.pkcs_9_at_challengePassword,
                    new DERPrintableString("open-sesame-42")));

    IssuanceException.InvalidRequest e =
        assertRejected("CSR_ATTRIBUTE", der, Profile.KUBELET_CLIENT);

    assertFalse(e.getMessage().contains("open-sesame-42"), e.getMessage());
  }

  @Test
  void twoExtensionRequestsAreRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b -> {
              extensions(
                  b,
                  e ->
                      e.addExtension(
                          Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature)));
              extensions(
                  b,
                  e ->
                      e.addExtension(
                          Extension.basicConstraints, true, new BasicConstraints(false)));
            });

    assertRejected("CSR_ATTRIBUTE", der, Profile.KUBELET_CLIENT);
  }

  @Test
  void duplicateExtensionInTheExtensionRequestIsRefused() throws Exception {
    // Two SANs: a naive getExtension would look at one of them only (catalogue A26).
    Extension first =
        new Extension(
            Extension.subjectAlternativeName,
            false,
            new DEROctetString(new GeneralNames(new GeneralName(GeneralName.dNSName, "worker-1"))));
    Extension second =
        new Extension(
            Extension.subjectAlternativeName,
            false,
            new DEROctetString(
                new GeneralNames(new GeneralName(GeneralName.dNSName, "kubernetes"))));
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                b.addAttribute(
                    PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                    new DERSequence(new ASN1Encodable[] {first, second})));

    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> parser.parse(der, Profile.KUBELET_CLIENT));

    assertEquals("CSR_EXTENSIONS", e.reason(), e.getMessage());
    assertSafeMessage(e);
  }

  @Test
  void duplicateCaTrueHiddenBehindCaFalseIsRefused() throws Exception {
    Extension notCa =
        new Extension(
            Extension.basicConstraints, true, new DEROctetString(new BasicConstraints(false)));
    Extension ca =
        new Extension(
            Extension.basicConstraints, true, new DEROctetString(new BasicConstraints(true)));
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                b.addAttribute(
                    PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                    new DERSequence(new ASN1Encodable[] {notCa, ca})));

    assertThrows(
        IssuanceException.InvalidRequest.class, () -> parser.parse(der, Profile.KUBELET_CLIENT));
  }

  @Test
  void malformedKnownExtensionIsRefused() throws Exception {
    byte[] der =
        csr(
            ec(),
            "SHA256withECDSA",
            b ->
                extensions(
                    b,
                    e ->
                        e.addExtension(
                            Extension.extendedKeyUsage, false, new DERUTF8String("serverAuth"))));

    assertRejected("CSR_EXTENSIONS", der, Profile.APISERVER);
  }

  // --- helpers --------------------------------------------------------------------------------

  private IssuanceException.InvalidRequest assertRejected(
      String reason, byte[] der, Profile profile) {
    IssuanceException.InvalidRequest e =
        assertThrows(IssuanceException.InvalidRequest.class, () -> parser.parse(der, profile));
    assertEquals(reason, e.reason(), e.getMessage());
    assertSafeMessage(e);
    return e;
  }

  private void assertRejectedAsNonCanonical(byte[] der) {
    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> parser.parse(der, Profile.KUBELET_CLIENT));
    assertTrue(Set.of("CSR_NOT_CANONICAL", "CSR_MALFORMED").contains(e.reason()), e.reason());
    assertSafeMessage(e);
  }

  private void assertKeyNotAllowed(
      KeyPair keys, String signatureAlgorithm, Provider provider, String kind) throws Exception {
    byte[] der = csr(keys.getPublic(), keys.getPrivate(), signatureAlgorithm, provider, b -> {});
    IssuanceException.InvalidRequest e =
        assertRejected("KEY_NOT_ALLOWED", der, Profile.KUBELET_CLIENT);
    assertTrue(e.getMessage().contains(kind), e.getMessage());
  }

  private static void assertSafeMessage(IssuanceException e) {
    assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "a message");
    assertFalse(INTERNALS.matcher(e.getMessage()).find(), "internals in: " + e.getMessage());
  }

  private static KeyPair ec() throws Exception {
    return KeyAlgorithm.ECDSA_P256.generateKeyPair();
  }

  private static KeyPair rsa(int bits, BigInteger exponent) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(new RSAKeyGenParameterSpec(bits, exponent));
    return generator.generateKeyPair();
  }

  private static KeyPair dsa2048() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("DSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static byte[] csr(
      KeyPair keys,
      String signatureAlgorithm,
      Consumer<PKCS10CertificationRequestBuilder> customize)
      throws Exception {
    return csr(keys.getPublic(), keys.getPrivate(), signatureAlgorithm, null, customize);
  }

  private static byte[] csr(
      java.security.PublicKey subjectKey,
      PrivateKey signingKey,
      String signatureAlgorithm,
      Provider provider,
      Consumer<PKCS10CertificationRequestBuilder> customize)
      throws Exception {
    return csr(
        SubjectPublicKeyInfo.getInstance(subjectKey.getEncoded()),
        signer(signingKey, signatureAlgorithm, provider),
        customize);
  }

  private static byte[] csr(
      SubjectPublicKeyInfo subjectKey,
      ContentSigner signer,
      Consumer<PKCS10CertificationRequestBuilder> customize)
      throws IOException {
    PKCS10CertificationRequestBuilder builder =
        new PKCS10CertificationRequestBuilder(SUBJECT, subjectKey);
    customize.accept(builder);
    return builder.build(signer).getEncoded();
  }

  /**
   * A CSR for a hand-made key, signed by an unrelated P-256 key (so the signature algorithm
   * passes).
   */
  private static byte[] csrFor(SubjectPublicKeyInfo key) throws Exception {
    return csr(key, signer(ec().getPrivate(), "SHA256withECDSA", null), b -> {});
  }

  private static ContentSigner signer(PrivateKey key, String algorithm, Provider provider)
      throws Exception {
    JcaContentSignerBuilder builder = new JcaContentSignerBuilder(algorithm);
    if (provider != null) {
      builder.setProvider(provider);
    }
    return builder.build(key);
  }

  /** A CSR for the RSA key n = p * q, e = 65537, properly signed with its private key. */
  private static byte[] csrWithRsaFactors(BigInteger p, BigInteger q) throws Exception {
    BigInteger e = RSAKeyGenParameterSpec.F4;
    BigInteger n = p.multiply(q);
    BigInteger lambda =
        lcm(p.subtract(BigInteger.ONE).max(BigInteger.ONE), q.subtract(BigInteger.ONE));
    BigInteger d = e.modInverse(lambda);
    PrivateKey privateKey =
        KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateKeySpec(n, d));
    SubjectPublicKeyInfo publicKey =
        new SubjectPublicKeyInfo(
            new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
            new org.bouncycastle.asn1.pkcs.RSAPublicKey(n, e));
    assertEquals(2048, n.bitLength());
    return csr(publicKey, signer(privateKey, "SHA256withRSA", null), b -> {});
  }

  private static BigInteger lcm(BigInteger a, BigInteger b) {
    return a.divide(a.gcd(b)).multiply(b);
  }

  private static byte[] csrWithUsages(KeyPurposeId... purposes) throws Exception {
    return csr(
        ec(),
        "SHA256withECDSA",
        b ->
            extensions(
                b,
                e ->
                    e.addExtension(
                        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))));
  }

  @FunctionalInterface
  private interface ExtensionAdder {
    void add(ExtensionsGenerator generator) throws IOException;
  }

  private static void extensions(PKCS10CertificationRequestBuilder builder, ExtensionAdder adder) {
    ExtensionsGenerator generator = new ExtensionsGenerator();
    try {
      adder.add(generator);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, generator.generate());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
