package dev.signet.server.testing;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * CSRs that a careless or hostile client might send (reliability-catalogue §4), built with
 * BouncyCastle, which happily produces all of them.
 */
public final class HostileCsrs {
  private static final Provider BC = new BouncyCastleProvider();

  private HostileCsrs() {}

  /** A well-formed P-256 CSR with an optional extension request. */
  public static byte[] withExtensions(ExtensionsGenerator extensions) {
    return sign(Keys.ec(), "SHA256withECDSA", extensions);
  }

  public static byte[] badSignature() {
    byte[] csr = Keys.csr(Keys.ec());
    csr[csr.length - 5] ^= 0x01;
    return csr;
  }

  public static byte[] truncated() {
    byte[] csr = Keys.csr(Keys.ec());
    return Arrays.copyOf(csr, csr.length - 10);
  }

  public static byte[] trailingGarbage() {
    byte[] csr = Keys.csr(Keys.ec());
    byte[] longer = Arrays.copyOf(csr, csr.length + 4);
    longer[csr.length] = 0x05;
    return longer;
  }

  public static byte[] rsa1024() {
    return sign(
        generate("RSA", new RSAKeyGenParameterSpec(1024, RSAKeyGenParameterSpec.F4)),
        "SHA256withRSA",
        null);
  }

  public static byte[] rsaExponent3() {
    return sign(
        generate("RSA", new RSAKeyGenParameterSpec(2048, BigInteger.valueOf(3))),
        "SHA256withRSA",
        null);
  }

  public static byte[] secp256k1() {
    return sign(generate("EC", new ECGenParameterSpec("secp256k1")), "SHA256withECDSA", null);
  }

  public static byte[] dsa() {
    return sign(generate("DSA", null), "SHA256withDSA", null);
  }

  public static byte[] ed25519() {
    return sign(generate("Ed25519", null), "Ed25519", null);
  }

  public static byte[] sha1Rsa() {
    return sign(
        generate("RSA", new RSAKeyGenParameterSpec(2048, RSAKeyGenParameterSpec.F4)),
        "SHA1withRSA",
        null);
  }

  public static byte[] askingToBeCa() {
    return withExtensions(extension(Extension.basicConstraints, true, new BasicConstraints(true)));
  }

  public static byte[] askingFor(KeyPurposeId... purposes) {
    return withExtensions(
        extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes)));
  }

  /** A critical extension of a made-up type. */
  public static byte[] unknownCriticalExtension() {
    return withExtensions(
        extension(
            new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"),
            true,
            org.bouncycastle.asn1.DERNull.INSTANCE));
  }

  /**
   * An extension whose value is not DER at all: {@code type}'s OCTET STRING holds {@code value} as
   * it is (BouncyCastle throws an unchecked exception when it parses it).
   */
  public static byte[] extensionValueNotDer(
      org.bouncycastle.asn1.ASN1ObjectIdentifier type, boolean critical, byte[] value) {
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(type, critical, value);
    return withExtensions(extensions);
  }

  /** A CSR over {@code bytes} long, padded with subject alternative names. */
  public static byte[] larger(int bytes) {
    int names = bytes / 30 + 1;
    GeneralName[] sans = new GeneralName[names];
    for (int i = 0; i < names; i++) {
      sans[i] = new GeneralName(GeneralName.dNSName, "padding-name-" + i + ".example.test");
    }
    return withExtensions(
        extension(Extension.subjectAlternativeName, false, new GeneralNames(sans)));
  }

  private static ExtensionsGenerator extension(
      org.bouncycastle.asn1.ASN1ObjectIdentifier type,
      boolean critical,
      org.bouncycastle.asn1.ASN1Encodable value) {
    try {
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(type, critical, value);
      return extensions;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generate(
      String algorithm, java.security.spec.AlgorithmParameterSpec spec) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm, BC);
      if (spec != null) {
        generator.initialize(spec);
      } else if (algorithm.equals("DSA")) {
        generator.initialize(2048);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sign(
      KeyPair keys, String signatureAlgorithm, ExtensionsGenerator extensions) {
    try {
      JcaPKCS10CertificationRequestBuilder builder =
          new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=hostile"), keys.getPublic());
      if (extensions != null) {
        builder.addAttribute(
            PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
      }
      return builder
          .build(
              new JcaContentSignerBuilder(signatureAlgorithm)
                  .setProvider(BC)
                  .build(keys.getPrivate()))
          .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
