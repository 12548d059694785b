package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves that {@link Pem} writes and reads what Kubernetes components exchange: CERTIFICATE blocks
 * in order (other blocks skipped), SEC1 {@code EC PRIVATE KEY} with its named curve and public key,
 * PKCS#1 {@code RSA PRIVATE KEY}, and PKCS#8 on input; keys read back equal the keys written.
 */
class PemTest {
  private static final ASN1ObjectIdentifier P256 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");

  private static KeyPair ec;
  private static KeyPair rsa;

  @BeforeAll
  static void keys() throws Exception {
    ec = KeyAlgorithm.ECDSA_P256.generateKeyPair();
    rsa = KeyAlgorithm.RSA_2048.generateKeyPair();
  }

  @Test
  void certificateRoundTripsThroughPem() throws Exception {
    byte[] der = selfSigned("one");

    String pem = Pem.certificate(der);

    assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"), pem);
    assertTrue(pem.trim().endsWith("-----END CERTIFICATE-----"), pem);
    List<byte[]> read = Pem.readCertificates(pem);
    assertEquals(1, read.size());
    assertArrayEquals(der, read.get(0));
  }

  @Test
  void severalCertificatesKeepTheirOrder() throws Exception {
    byte[] first = selfSigned("first");
    byte[] second = selfSigned("second");

    List<byte[]> read = Pem.readCertificates(Pem.certificates(List.of(first, second)));

    assertEquals(2, read.size());
    assertArrayEquals(first, read.get(0));
    assertArrayEquals(second, read.get(1));
  }

  @Test
  void readCertificatesSkipsBlocksThatAreNotCertificates() throws Exception {
    byte[] cert = selfSigned("only");
    String text =
        new String(Pem.privateKey(ec), StandardCharsets.US_ASCII)
            + "some text between blocks\n"
            + Pem.certificate(cert)
            + block("CERTIFICATE REQUEST", new byte[] {0x30, 0x00})
            + block("PUBLIC KEY", ec.getPublic().getEncoded());

    List<byte[]> read = Pem.readCertificates(text);

    assertEquals(1, read.size());
    assertArrayEquals(cert, read.get(0));
  }

  @Test
  void readCertificatesOfTextWithoutBlocksIsEmpty() throws Exception {
    assertEquals(List.of(), Pem.readCertificates("no pem here\n"));
  }

  @Test
  void ecKeyIsWrittenAsSec1WithTheNamedCurveAndThePublicKey() throws Exception {
    String pem = new String(Pem.privateKey(ec), StandardCharsets.US_ASCII);

    assertTrue(pem.startsWith("-----BEGIN EC PRIVATE KEY-----\n"), "label");
    PemObject block = new PemReader(new StringReader(pem)).readPemObject();
    assertEquals("EC PRIVATE KEY", block.getType());
    org.bouncycastle.asn1.sec.ECPrivateKey sec1 =
        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(block.getContent());
    assertEquals(P256, sec1.getParametersObject());
    assertEquals(((ECPrivateKey) ec.getPrivate()).getS(), sec1.getKey());
    assertArrayEquals(
        SubjectPublicKeyInfo.getInstance(ec.getPublic().getEncoded()).getPublicKeyData().getBytes(),
        sec1.getPublicKey().getBytes());
  }

  @Test
  void ecKeyReadsBackToTheSameKey() throws Exception {
    PrivateKey read = Pem.readPrivateKey(Pem.privateKey(ec));

    ECPrivateKey key = assertInstanceOf(ECPrivateKey.class, read);
    assertEquals(((ECPrivateKey) ec.getPrivate()).getS(), key.getS());
    assertEquals(((ECPublicKey) ec.getPublic()).getParams().getOrder(), key.getParams().getOrder());
    assertSignsFor(ec, read, "SHA256withECDSA");
  }

  @Test
  void rsaKeyIsWrittenAsPkcs1AndReadsBackToTheSameKey() throws Exception {
    String pem = new String(Pem.privateKey(rsa), StandardCharsets.US_ASCII);

    assertTrue(pem.startsWith("-----BEGIN RSA PRIVATE KEY-----\n"), "label");
    PemObject block = new PemReader(new StringReader(pem)).readPemObject();
    org.bouncycastle.asn1.pkcs.RSAPrivateKey pkcs1 =
        org.bouncycastle.asn1.pkcs.RSAPrivateKey.getInstance(block.getContent());
    assertEquals(((RSAPublicKey) rsa.getPublic()).getModulus(), pkcs1.getModulus());

    RSAPrivateKey read =
        assertInstanceOf(
            RSAPrivateKey.class, Pem.readPrivateKey(pem.getBytes(StandardCharsets.US_ASCII)));
    assertEquals(((RSAPrivateKey) rsa.getPrivate()).getModulus(), read.getModulus());
    assertEquals(
        ((RSAPrivateKey) rsa.getPrivate()).getPrivateExponent(), read.getPrivateExponent());
    assertSignsFor(rsa, read, "SHA256withRSA");
  }

  @Test
  void readPrivateKeyAcceptsPkcs8() throws Exception {
    byte[] pem =
        block("PRIVATE KEY", ec.getPrivate().getEncoded()).getBytes(StandardCharsets.US_ASCII);

    ECPrivateKey read = assertInstanceOf(ECPrivateKey.class, Pem.readPrivateKey(pem));

    assertEquals(((ECPrivateKey) ec.getPrivate()).getS(), read.getS());
  }

  @Test
  void readPrivateKeyFindsTheKeyAfterACertificate() throws Exception {
    byte[] pem =
        (Pem.certificate(selfSigned("x"))
                + new String(Pem.privateKey(rsa), StandardCharsets.US_ASCII))
            .getBytes(StandardCharsets.US_ASCII);

    RSAPrivateKey read = assertInstanceOf(RSAPrivateKey.class, Pem.readPrivateKey(pem));

    assertEquals(
        ((RSAPrivateKey) rsa.getPrivate()).getPrivateExponent(), read.getPrivateExponent());
  }

  @Test
  void readPrivateKeyOfTextWithoutAKeyThrows() throws Exception {
    assertThrows(IOException.class, () -> Pem.readPrivateKey(new byte[0]));
    assertThrows(
        IOException.class, () -> Pem.readPrivateKey("hello\n".getBytes(StandardCharsets.US_ASCII)));
    byte[] onlyCertificate = Pem.certificate(selfSigned("c")).getBytes(StandardCharsets.US_ASCII);
    assertThrows(IOException.class, () -> Pem.readPrivateKey(onlyCertificate));
  }

  @Test
  void privateKeyRefusesKeysOtherThanEcAndRsa() throws Exception {
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

    assertThrows(IllegalArgumentException.class, () -> Pem.privateKey(ed));
  }

  private static void assertSignsFor(KeyPair original, PrivateKey read, String algorithm)
      throws Exception {
    byte[] data = "proof".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(read);
    signer.update(data);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(original.getPublic());
    verifier.update(data);
    assertTrue(verifier.verify(signature), "the key read back signs for the original public key");
  }

  private static String block(String type, byte[] content) throws IOException {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(new PemObject(type, content));
    }
    return out.toString();
  }

  private static byte[] selfSigned(String cn) throws Exception {
    X500Name name = new X500Name("CN=" + cn);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return new JcaX509v3CertificateBuilder(
            name,
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now),
            Date.from(now.plus(1, ChronoUnit.DAYS)),
            name,
            ec.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(ec.getPrivate()))
        .getEncoded();
  }
}
