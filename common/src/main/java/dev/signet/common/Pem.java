package dev.signet.common;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM as Kubernetes components read it: certificates as {@code CERTIFICATE} blocks, private keys in
 * the traditional forms kubeadm writes ({@code EC PRIVATE KEY}, {@code RSA PRIVATE KEY}).
 */
public final class Pem {
  private static final String CERTIFICATE = "CERTIFICATE";

  private Pem() {}

  /** One DER certificate as a PEM block. */
  public static String certificate(byte[] der) {
    return certificates(List.of(der));
  }

  /** DER certificates as consecutive PEM blocks, in the order given. */
  public static String certificates(List<byte[]> ders) {
    StringBuilder out = new StringBuilder();
    for (byte[] der : ders) {
      out.append(encode(new PemObject(CERTIFICATE, der)));
    }
    return out.toString();
  }

  /** Public keys (PKIX DER) as consecutive {@code PUBLIC KEY} blocks, as kubeadm writes sa.pub. */
  public static String publicKeys(List<byte[]> ders) {
    StringBuilder out = new StringBuilder();
    for (byte[] der : ders) {
      out.append(encode(new PemObject("PUBLIC KEY", der)));
    }
    return out.toString();
  }

  /** The PKIX DER of every {@code PUBLIC KEY} block in {@code pem}, in order. */
  public static List<byte[]> readPublicKeys(String pem) throws IOException {
    return read(pem, "PUBLIC KEY");
  }

  /** A DER CRL as an {@code X509 CRL} PEM block (as openssl, nginx and etcd read it). */
  public static String crl(byte[] der) {
    return encode(new PemObject("X509 CRL", der));
  }

  /**
   * The DER of every {@code CERTIFICATE} block in {@code pem}, in order; other blocks are skipped.
   */
  public static List<byte[]> readCertificates(String pem) throws IOException {
    return read(pem, CERTIFICATE);
  }

  private static List<byte[]> read(String pem, String type) throws IOException {
    List<byte[]> ders = new ArrayList<>();
    try (PemReader reader = new PemReader(new StringReader(pem))) {
      for (PemObject object = reader.readPemObject();
          object != null;
          object = reader.readPemObject()) {
        if (object.getType().equals(type)) {
          ders.add(object.getContent());
        }
      }
    }
    return ders;
  }

  /**
   * The private key of {@code keys} in the traditional PEM form kubeadm and client-go write: SEC1
   * {@code EC PRIVATE KEY} (with its named curve and public key, which some readers need) or PKCS#1
   * {@code RSA PRIVATE KEY}. The bytes are the caller's to wipe once written.
   *
   * <p>Security: the result is secret; never log it or keep it in a String.
   */
  public static byte[] privateKey(KeyPair keys) {
    PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
    try {
      PemObject pem;
      if (keys.getPrivate() instanceof ECPrivateKey ec) {
        SubjectPublicKeyInfo publicKey =
            SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        ASN1Object sec1 =
            new org.bouncycastle.asn1.sec.ECPrivateKey(
                ec.getParams().getOrder().bitLength(),
                ec.getS(),
                publicKey.getPublicKeyData(),
                info.getPrivateKeyAlgorithm().getParameters());
        pem = new PemObject("EC PRIVATE KEY", sec1.getEncoded(ASN1Encoding.DER));
      } else if (keys.getPrivate() instanceof RSAPrivateKey) {
        pem =
            new PemObject(
                "RSA PRIVATE KEY",
                info.parsePrivateKey().toASN1Primitive().getEncoded(ASN1Encoding.DER));
      } else {
        throw new IllegalArgumentException(
            "not an EC or RSA key: " + keys.getPrivate().getAlgorithm());
      }
      return encode(pem).getBytes(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the first private key in {@code pem}: traditional EC or RSA, or PKCS#8. */
  public static PrivateKey readPrivateKey(byte[] pem) throws IOException {
    try (PEMParser parser =
        new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof PEMKeyPair pair) {
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (object instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    }
    throw new IOException("no private key found (expected an EC, RSA or PKCS#8 PEM block)");
  }

  private static String encode(PemObject object) {
    java.io.StringWriter text = new java.io.StringWriter();
    try (PemWriter writer = new PemWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }
}
