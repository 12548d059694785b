package dev.signet.common;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The key algorithms Signet uses, for CA keys in the token and for the keys nodes make: ECDSA on
 * P-256 or P-384 and RSA with 2048, 3072 or 4096 bits (exponent 65537). Nothing else is allowed
 * anywhere, which keeps the set every component must support small and well-trodden.
 */
public enum KeyAlgorithm {
  ECDSA_P256("ecdsa-p256", "EC", 256, "secp256r1", "1.2.840.10045.3.1.7", "SHA256withECDSA"),
  ECDSA_P384("ecdsa-p384", "EC", 384, "secp384r1", "1.3.132.0.34", "SHA384withECDSA"),
  RSA_2048("rsa-2048", "RSA", 2048, null, null, "SHA256withRSA"),
  RSA_3072("rsa-3072", "RSA", 3072, null, null, "SHA256withRSA"),
  RSA_4096("rsa-4096", "RSA", 4096, null, null, "SHA256withRSA");

  private final String id;
  private final String family;
  private final int bits;
  private final String curveName;
  private final String curveOid;
  private final String signatureAlgorithm;

  KeyAlgorithm(
      String id,
      String family,
      int bits,
      String curveName,
      String curveOid,
      String signatureAlgorithm) {
    this.id = id;
    this.family = family;
    this.bits = bits;
    this.curveName = curveName;
    this.curveOid = curveOid;
    this.signatureAlgorithm = signatureAlgorithm;
  }

  /** The name used in configuration files and command lines, e.g. {@code ecdsa-p256}. */
  public String id() {
    return id;
  }

  public boolean isRsa() {
    return family.equals("RSA");
  }

  public boolean isEc() {
    return family.equals("EC");
  }

  /** Key size in bits: the modulus length for RSA, the field size for EC. */
  public int bits() {
    return bits;
  }

  /** The OID of the named curve, for EC algorithms only. */
  public String curveOid() {
    if (!isEc()) {
      throw new IllegalStateException(id + " is not an EC algorithm");
    }
    return curveOid;
  }

  /**
   * The JCA signature algorithm a key of this kind signs certificates with: SHA-256 for RSA and
   * P-256, SHA-384 for P-384 (RFC 5480 §4 pairs the hash strength with the curve).
   */
  public String signatureAlgorithm() {
    return signatureAlgorithm;
  }

  /** Makes a new key pair in software, as a node does for its own certificates. */
  public KeyPair generateKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(family);
    if (isEc()) {
      generator.initialize(new ECGenParameterSpec(curveName));
    } else {
      generator.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
    }
    return generator.generateKeyPair();
  }

  /** Parses a name such as {@code ecdsa-p256} or {@code RSA-2048} (case does not matter). */
  public static KeyAlgorithm parse(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    for (KeyAlgorithm algorithm : values()) {
      if (algorithm.id.equals(wanted)) {
        return algorithm;
      }
    }
    throw new IllegalArgumentException(
        "unknown key algorithm '" + name + "'; choose one of " + names());
  }

  /** The allowed names, comma separated, for error and help messages. */
  public static String names() {
    return Arrays.stream(values()).map(KeyAlgorithm::id).collect(Collectors.joining(", "));
  }

  /**
   * Classifies a public key. Empty when the key is of no allowed kind (another curve, another RSA
   * size, another exponent, another algorithm).
   */
  public static Optional<KeyAlgorithm> of(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      if (!rsa.getPublicExponent().equals(RSAKeyGenParameterSpec.F4)) {
        return Optional.empty();
      }
      int modulusBits = rsa.getModulus().bitLength();
      return Arrays.stream(values()).filter(a -> a.isRsa() && a.bits == modulusBits).findFirst();
    }
    if (key instanceof ECPublicKey) {
      String oid = EcCurves.namedCurveOid(key).orElse(null);
      return Arrays.stream(values()).filter(a -> a.isEc() && a.curveOid.equals(oid)).findFirst();
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return id;
  }
}
