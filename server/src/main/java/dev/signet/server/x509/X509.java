package dev.signet.server.x509;

import dev.signet.common.KeyAlgorithm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1UTCTime;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

/** Small X.509 building blocks shared by CA creation and leaf issuance. */
public final class X509 {
  private static final CertificateFactory FACTORY;
  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'", Locale.ROOT);
  private static final DateTimeFormatter GENERALIZED_TIME =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'", Locale.ROOT);

  static {
    try {
      FACTORY = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private X509() {}

  /** The signature AlgorithmIdentifier a key of {@code algorithm} signs with. */
  public static AlgorithmIdentifier signatureAlgorithm(KeyAlgorithm algorithm) {
    return new DefaultSignatureAlgorithmIdentifierFinder().find(algorithm.signatureAlgorithm());
  }

  /**
   * A time as RFC 5280 §4.1.2.5 wants it: UTCTime through 2049, GeneralizedTime from 2050, whole
   * seconds in UTC.
   */
  public static Time time(Instant instant) {
    // Decoded from its DER: BouncyCastle's Time(Date) builds a SimpleDateFormat per call and its
    // String constructors parse the text back through a Calendar to check it, a twentieth of an
    // issuance's Java time under load; the formatter here makes only valid text.
    ZonedDateTime utc = instant.truncatedTo(ChronoUnit.SECONDS).atZone(ZoneOffset.UTC);
    boolean utcTime = utc.getYear() >= 1950 && utc.getYear() < 2050;
    byte[] text =
        (utcTime ? UTC_TIME : GENERALIZED_TIME).format(utc).getBytes(StandardCharsets.US_ASCII);
    byte[] der = new byte[2 + text.length];
    der[0] = (byte) (utcTime ? BERTags.UTC_TIME : BERTags.GENERALIZED_TIME);
    der[1] = (byte) text.length;
    System.arraycopy(text, 0, der, 2, text.length);
    return new Time(utcTime ? ASN1UTCTime.getInstance(der) : ASN1GeneralizedTime.getInstance(der));
  }

  /** The certificate made of a to-be-signed part and its signature. */
  public static X509Certificate assemble(
      TBSCertificate tbs, AlgorithmIdentifier signatureAlgorithm, byte[] signature) {
    return parse(certificateDer(tbs, signatureAlgorithm, signature));
  }

  /** The DER of the certificate made of a to-be-signed part and its signature. */
  public static byte[] certificateDer(
      TBSCertificate tbs, AlgorithmIdentifier signatureAlgorithm, byte[] signature) {
    ASN1EncodableVector certificate = new ASN1EncodableVector(3);
    certificate.add(tbs);
    certificate.add(signatureAlgorithm);
    certificate.add(new DERBitString(signature));
    return der(Certificate.getInstance(new DERSequence(certificate)));
  }

  /** DER encoding of an ASN.1 object. */
  public static byte[] der(org.bouncycastle.asn1.ASN1Object object) {
    try {
      return object.getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static X509Certificate parse(byte[] der) {
    try {
      return (X509Certificate) FACTORY.generateCertificate(new java.io.ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  public static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The key identifier of RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. SHA-1
   * here only names the key; nothing relies on its collision resistance.
   */
  public static byte[] keyIdentifier(SubjectPublicKeyInfo key) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(key.getPublicKeyData().getBytes());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The SubjectKeyIdentifier of a certificate, which every certificate Signet makes carries. */
  public static byte[] subjectKeyIdentifier(X509Certificate certificate) {
    byte[] extension = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    if (extension == null) {
      throw new IllegalArgumentException(
          "certificate "
              + certificate.getSubjectX500Principal()
              + " has no subject key identifier");
    }
    return SubjectKeyIdentifier.getInstance(
            org.bouncycastle.asn1.ASN1OctetString.getInstance(extension).getOctets())
        .getKeyIdentifier();
  }

  /**
   * The decoded values of attribute {@code type} in a name, in order (multi-valued RDNs included).
   * Decoded, not escaped: a CN {@code a,O=b} stays one value with a comma in it.
   */
  public static java.util.List<String> attributeValues(X500Name name, ASN1ObjectIdentifier type) {
    java.util.List<String> values = new java.util.ArrayList<>();
    for (RDN rdn : name.getRDNs()) {
      for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
        if (attribute.getType().equals(type)) {
          values.add(
              attribute.getValue() instanceof ASN1String text
                  ? text.getString()
                  : attribute.getValue().toString());
        }
      }
    }
    return values;
  }

  /** A serial number as Signet prints and stores it: lowercase hex, no separators. */
  public static String serialHex(BigInteger serial) {
    return serial.toString(16);
  }

  public static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  /** SHA-256 of a certificate's DER, hex: how the ledger and the logs name a certificate. */
  public static String fingerprint(byte[] der) {
    try {
      return hex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
