package dev.signet.server.issuance;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.profile.Profile;
import dev.signet.server.x509.Signatures;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Reads a caller's PKCS#10 CSR with no benefit of the doubt. BouncyCastle parses almost anything
 * (reliability-catalogue §4: a wrong signature, RSA-1024, secp256k1, CA:TRUE all parse), so every
 * rule here is Signet's own: canonical DER within a size bound, an allowed signature algorithm, a
 * signature that verifies under the CSR's own key (proof of possession), an allowed key, and no
 * request for more than the profile grants. What comes out is the public key, and nothing else of
 * the CSR is ever used.
 */
public final class CsrParser {
  /** Real CSRs are well under 2 KiB (an RSA-4096 one is about 1.7 KiB). */
  public static final int MAX_CSR_BYTES = 8 * 1024;

  /** Extensions a CSR may ask for; they are checked, then ignored (never copied). */
  private static final Set<ASN1ObjectIdentifier> UNDERSTOOD_EXTENSIONS =
      Set.of(
          Extension.basicConstraints,
          Extension.keyUsage,
          Extension.extendedKeyUsage,
          Extension.subjectAlternativeName,
          Extension.subjectKeyIdentifier);

  private static final Map<Profile.ExtendedKeyUsage, KeyPurposeId> PURPOSES =
      Map.of(
          Profile.ExtendedKeyUsage.SERVER_AUTH, KeyPurposeId.id_kp_serverAuth,
          Profile.ExtendedKeyUsage.CLIENT_AUTH, KeyPurposeId.id_kp_clientAuth);

  /** The product of the primes below 752, for Boulder's small-factor check on RSA moduli. */
  private static final BigInteger SMALL_PRIMES = smallPrimesProduct(752);

  /** A CSR that passed every check: its public key and what it was. */
  public record ValidatedCsr(
      SubjectPublicKeyInfo publicKey, KeyAlgorithm keyAlgorithm, byte[] sha256) {}

  /**
   * Validates {@code der} for a certificate of {@code profile}.
   *
   * @throws IssuanceException.InvalidRequest naming the first rule the CSR breaks
   */
  public ValidatedCsr parse(byte[] der, Profile profile) throws IssuanceException.InvalidRequest {
    if (der.length == 0) {
      throw invalid(
          "CSR_MISSING", "csr_der is required: a DER-encoded PKCS#10 certificate signing request");
    }
    if (der.length > MAX_CSR_BYTES) {
      throw invalid(
          "CSR_TOO_LARGE",
          "csr_der is " + der.length + " bytes; at most " + MAX_CSR_BYTES + " are accepted");
    }
    PKCS10CertificationRequest csr = parseDer(der);
    if (!Signatures.supported(csr.getSignatureAlgorithm().getAlgorithm())) {
      throw invalid(
          "CSR_SIGNATURE_ALGORITHM",
          "the CSR is signed with algorithm "
              + csr.getSignatureAlgorithm().getAlgorithm()
              + "; Signet accepts ECDSA or RSA (PKCS#1 v1.5) signatures with SHA-256, SHA-384 or"
              + " SHA-512");
    }
    SubjectPublicKeyInfo info = csr.getSubjectPublicKeyInfo();
    KeyAlgorithm algorithm =
        classify(info)
            .orElseThrow(
                () ->
                    invalid(
                        "KEY_NOT_ALLOWED",
                        "the CSR's key is "
                            + describe(info)
                            + "; allowed are ECDSA P-256 or P-384 and RSA 2048, 3072 or 4096 bits"
                            + " with exponent 65537"));
    checkRsaModulus(info);
    verifySignature(csr, info, verificationKey(info));
    checkRequestedExtensions(csr, profile);
    return new ValidatedCsr(csr.getSubjectPublicKeyInfo(), algorithm, sha256(der));
  }

  private static PKCS10CertificationRequest parseDer(byte[] der)
      throws IssuanceException.InvalidRequest {
    if (new String(der, 0, Math.min(der.length, 11), java.nio.charset.StandardCharsets.US_ASCII)
        .equals("-----BEGIN ")) {
      throw invalid(
          "CSR_NOT_DER",
          "csr_der holds PEM text; send the DER bytes (the base64-decoded content between the"
              + " BEGIN and END lines)");
    }
    CertificationRequest request;
    try {
      // fromByteArray refuses trailing bytes ("Extra data detected in stream").
      request = CertificationRequest.getInstance(ASN1Primitive.fromByteArray(der));
      if (!Arrays.equals(request.getEncoded(ASN1Encoding.DER), der)) {
        throw invalid(
            "CSR_NOT_CANONICAL",
            "csr_der is not canonical DER (BER, indefinite or non-minimal lengths are refused)");
      }
      return new PKCS10CertificationRequest(request);
    } catch (IOException | RuntimeException e) {
      throw invalid(
          "CSR_MALFORMED", "csr_der is not a well-formed PKCS#10 request: " + parseProblem(e));
    }
  }

  /**
   * What went wrong while decoding, in words: the parser's own messages name its classes, which
   * mean nothing to the caller and say too much about the daemon.
   */
  private static String parseProblem(Exception e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    if (message.contains("Extra data")) {
      return "bytes follow the end of the request";
    }
    if (e instanceof IOException) {
      return "the DER is truncated or corrupt";
    }
    return "the DER is not a CertificationRequest structure";
  }

  private static AsymmetricKeyParameter verificationKey(SubjectPublicKeyInfo info)
      throws IssuanceException.InvalidRequest {
    try {
      return Signatures.verificationKey(info);
    } catch (IllegalArgumentException e) {
      throw invalid(
          "KEY_MALFORMED",
          "the CSR's public key cannot be decoded (an EC point off its curve, or a corrupt key)");
    }
  }

  private static void verifySignature(
      PKCS10CertificationRequest csr, SubjectPublicKeyInfo info, AsymmetricKeyParameter key)
      throws IssuanceException.InvalidRequest {
    byte[] signed;
    try {
      // The CSR is canonical DER (checked above), so this is exactly the signed encoding.
      signed = csr.toASN1Structure().getCertificationRequestInfo().getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw invalid("CSR_MALFORMED", "csr_der is not a well-formed PKCS#10 request");
    }
    ASN1BitString signature = csr.toASN1Structure().getSignature();
    if (signature.getPadBits() != 0) {
      // a signature is whole bytes; BouncyCastle would throw on such a BIT STRING (found by Jazzer)
      throw invalid(
          "CSR_MALFORMED",
          "the CSR's signature is a BIT STRING with unused bits, not a whole number of bytes");
    }
    if (!Signatures.verifyOnce(
        info, key, csr.getSignatureAlgorithm().getAlgorithm(), signed, signature.getOctets())) {
      throw invalid(
          "CSR_SIGNATURE_INVALID",
          "the CSR's signature does not verify under its own public key, so it does not prove"
              + " possession of the private key; make a new CSR with the matching key");
    }
  }

  /** The allowed key kind this encoded key is, without trusting any of its optional parts. */
  private static Optional<KeyAlgorithm> classify(SubjectPublicKeyInfo info) {
    ASN1ObjectIdentifier type = info.getAlgorithm().getAlgorithm();
    if (type.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      Optional<org.bouncycastle.asn1.pkcs.RSAPublicKey> rsa = rsaKey(info);
      if (rsa.isEmpty() || !rsa.get().getPublicExponent().equals(BigInteger.valueOf(65537))) {
        return Optional.empty();
      }
      int bits = rsa.get().getModulus().bitLength();
      return Arrays.stream(KeyAlgorithm.values())
          .filter(a -> a.isRsa() && a.bits() == bits)
          .findFirst();
    }
    if (type.equals(X9ObjectIdentifiers.id_ecPublicKey)
        && info.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curve) {
      return Arrays.stream(KeyAlgorithm.values())
          .filter(a -> a.isEc() && a.curveOid().equals(curve.getId()))
          .findFirst();
    }
    return Optional.empty();
  }

  private static Optional<org.bouncycastle.asn1.pkcs.RSAPublicKey> rsaKey(
      SubjectPublicKeyInfo info) {
    try {
      return Optional.of(
          org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(info.parsePublicKey()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static void checkRequestedExtensions(PKCS10CertificationRequest csr, Profile profile)
      throws IssuanceException.InvalidRequest {
    Attribute[] attributes = csr.getAttributes();
    boolean seenExtensionRequest = false;
    for (Attribute attribute : attributes) {
      if (!attribute.getAttrType().equals(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
        throw invalid(
            "CSR_ATTRIBUTE",
            "the CSR carries attribute "
                + attribute.getAttrType()
                + "; only extensionRequest is accepted");
      }
      if (seenExtensionRequest || attribute.getAttrValues().size() != 1) {
        throw invalid("CSR_ATTRIBUTE", "the CSR carries more than one extensionRequest");
      }
      seenExtensionRequest = true;
      Extensions extensions;
      try {
        extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
      } catch (RuntimeException e) {
        // Extensions refuses a repeated extension, which RFC 5280 §4.2 forbids.
        throw invalid(
            "CSR_EXTENSIONS",
            "the CSR's extension request is malformed"
                + (String.valueOf(e.getMessage()).contains("repeated")
                    ? ": an extension appears twice"
                    : ""));
      }
      for (ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
        checkExtension(extensions.getExtension(oid), profile);
      }
    }
  }

  private static void checkExtension(Extension extension, Profile profile)
      throws IssuanceException.InvalidRequest {
    ASN1ObjectIdentifier oid = extension.getExtnId();
    try {
      // an extension's value is DER by definition, whatever its type; BouncyCastle reports one
      // that is not with an unchecked exception
      ASN1Encodable value = extension.getParsedValue();
      if (value == null) {
        throw new IllegalArgumentException("empty extension value");
      }
      if (oid.equals(Extension.basicConstraints)) {
        if (BasicConstraints.getInstance(value).isCA()) {
          throw invalid(
              "CSR_ASKS_CA",
              "the CSR asks to be a CA (basicConstraints CA:TRUE); Signet issues leaf certificates only");
        }
      } else if (oid.equals(Extension.keyUsage)) {
        KeyUsage usage = KeyUsage.getInstance(value);
        if (usage.hasUsages(KeyUsage.keyCertSign) || usage.hasUsages(KeyUsage.cRLSign)) {
          throw invalid(
              "CSR_ASKS_CA", "the CSR asks for keyCertSign or cRLSign, which only CAs have");
        }
      } else if (oid.equals(Extension.extendedKeyUsage)) {
        for (KeyPurposeId purpose :
            org.bouncycastle.asn1.x509.ExtendedKeyUsage.getInstance(value).getUsages()) {
          boolean granted =
              profile.usage().extendedKeyUsages().stream()
                  .anyMatch(usage -> PURPOSES.get(usage).equals(purpose));
          if (!granted) {
            throw invalid(
                "CSR_EXTRA_EKU",
                "the CSR asks for extended key usage "
                    + purpose.toOID()
                    + ", which the "
                    + profile.id()
                    + " profile does not grant (it grants "
                    + profile.usage().extendedKeyUsages()
                    + ")");
          }
        }
      } else if (!UNDERSTOOD_EXTENSIONS.contains(oid) && extension.isCritical()) {
        throw invalid(
            "CSR_UNKNOWN_CRITICAL_EXTENSION",
            "the CSR asks for critical extension " + oid + ", which Signet does not understand");
      }
    } catch (RuntimeException e) {
      throw invalid(
          "CSR_EXTENSIONS",
          "the CSR's extension " + oid + " is malformed: its value is not the DER of one");
    }
  }

  /**
   * Refuses RSA moduli with a small prime factor (2 included) and moduli whose primes are close
   * enough for Fermat factorisation to find them in 100 steps (Boulder's goodkey checks; both are
   * cheap). Runs on the encoded key, before decoding, which would refuse some of these keys itself
   * but under a vaguer reason.
   */
  private static void checkRsaModulus(SubjectPublicKeyInfo info)
      throws IssuanceException.InvalidRequest {
    if (!info.getAlgorithm().getAlgorithm().equals(PKCSObjectIdentifiers.rsaEncryption)) {
      return;
    }
    BigInteger modulus =
        rsaKey(info)
            .orElseThrow(
                () -> invalid("KEY_MALFORMED", "the CSR's RSA public key cannot be decoded"))
            .getModulus();
    if (modulus.signum() <= 0 || !modulus.gcd(SMALL_PRIMES).equals(BigInteger.ONE)) {
      throw invalid("KEY_WEAK", "the CSR's RSA modulus has a small prime factor");
    }
    BigInteger a = modulus.sqrt();
    if (a.multiply(a).compareTo(modulus) < 0) {
      a = a.add(BigInteger.ONE);
    }
    for (int round = 0; round < 100; round++, a = a.add(BigInteger.ONE)) {
      BigInteger b2 = a.multiply(a).subtract(modulus);
      BigInteger b = b2.sqrt();
      if (b.multiply(b).equals(b2)) {
        throw invalid(
            "KEY_WEAK", "the CSR's RSA modulus can be factored (its primes are too close)");
      }
    }
  }

  private static String describe(SubjectPublicKeyInfo info) {
    ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
    if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      return rsaKey(info)
          .map(
              rsa ->
                  "RSA with "
                      + rsa.getModulus().bitLength()
                      + " bits and exponent "
                      + rsa.getPublicExponent())
          .orElse("an undecodable RSA key");
    }
    if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      ASN1Encodable parameters = info.getAlgorithm().getParameters();
      if (parameters instanceof ASN1ObjectIdentifier curve) {
        String name = ECNamedCurveTable.getName(curve);
        return "EC on curve " + (name == null ? curve.getId() : name);
      }
      return "EC with explicit curve parameters";
    }
    if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519)) {
      return "Ed25519";
    }
    if (algorithm.equals(X9ObjectIdentifiers.id_dsa)) {
      return "DSA";
    }
    return "of algorithm " + algorithm.getId();
  }

  private static byte[] sha256(byte[] der) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(der);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigInteger smallPrimesProduct(int below) {
    BigInteger product = BigInteger.TWO;
    for (int n = 3; n < below; n += 2) {
      if (BigInteger.valueOf(n).isProbablePrime(50)) {
        product = product.multiply(BigInteger.valueOf(n));
      }
    }
    return product;
  }

  private static IssuanceException.InvalidRequest invalid(String reason, String message) {
    return new IssuanceException.InvalidRequest(reason, message);
  }
}
