package dev.signet.server.issuance;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.profile.CertificateContent;
import dev.signet.server.profile.Names;
import dev.signet.server.x509.X509;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.TBSCertificate;

/**
 * Checks a to-be-signed certificate against the profile before the CA key touches it (BR 4.3.1.2's
 * lint-before-sign). It reads the encoded TBS back, independently of how it was built, so a bug in
 * the assembler shows up here as a refusal rather than as a bad certificate in the world. A
 * non-empty result means Signet is wrong, not the caller.
 *
 * <p>Rules are those of the zlint RFC 5280 lints that apply to these profiles, plus the profile's
 * own (names, usages, validity bounds).
 */
final class CertificateLinter {
  private static final Set<ASN1ObjectIdentifier> EXPECTED_EXTENSIONS =
      Set.of(
          Extension.keyUsage,
          Extension.extendedKeyUsage,
          Extension.basicConstraints,
          Extension.subjectKeyIdentifier,
          Extension.authorityKeyIdentifier,
          Extension.subjectAlternativeName);

  private CertificateLinter() {}

  static List<String> lint(
      TBSCertificate tbs,
      CertificateContent content,
      KeyAlgorithm keyAlgorithm,
      CertificateAuthority ca,
      Duration maxValidity) {
    List<String> problems = new ArrayList<>();
    BigInteger serial = tbs.getSerialNumber().getValue();
    if (serial.signum() <= 0) {
      problems.add("serial number is not positive");
    }
    if (serial.toByteArray().length > 20 || serial.bitLength() < 64) {
      problems.add("serial number must hold 64 to 159 bits");
    }
    if (!tbs.getSignature().equals(ca.signatureAlgorithm())) {
      problems.add("signature algorithm does not match the CA key");
    }
    if (!tbs.getIssuer().equals(ca.subject())) {
      problems.add("issuer differs from the CA's subject");
    }
    lintValidity(tbs, ca, maxValidity, problems);
    lintSubject(tbs.getSubject(), content, problems);
    Extensions extensions = tbs.getExtensions();
    if (extensions == null) {
      problems.add("no extensions");
      return problems;
    }
    Set<ASN1ObjectIdentifier> seen = new HashSet<>();
    for (ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
      if (!seen.add(oid)) {
        problems.add("extension " + oid + " appears twice");
      }
      if (!EXPECTED_EXTENSIONS.contains(oid)) {
        problems.add("unexpected extension " + oid);
      }
    }
    lintBasicConstraints(extensions.getExtension(Extension.basicConstraints), problems);
    lintKeyUsage(extensions.getExtension(Extension.keyUsage), keyAlgorithm, problems);
    lintExtendedKeyUsage(extensions.getExtension(Extension.extendedKeyUsage), content, problems);
    lintKeyIdentifiers(extensions, ca, problems);
    lintSubjectAltNames(
        extensions.getExtension(Extension.subjectAlternativeName), content, problems);
    return problems;
  }

  private static void lintValidity(
      TBSCertificate tbs, CertificateAuthority ca, Duration maxValidity, List<String> problems) {
    Instant notBefore = tbs.getStartDate().getDate().toInstant();
    Instant notAfter = tbs.getEndDate().getDate().toInstant();
    if (!notBefore.isBefore(notAfter)) {
      problems.add("notBefore is not before notAfter");
    }
    if (Duration.between(notBefore, notAfter).compareTo(maxValidity) > 0) {
      problems.add("validity is longer than the configured " + maxValidity);
    }
    if (notBefore.isBefore(ca.notBefore()) || notAfter.isAfter(ca.notAfter())) {
      problems.add("validity reaches outside the CA's own validity");
    }
  }

  private static void lintSubject(
      X500Name subject, CertificateContent content, List<String> problems) {
    for (RDN rdn : subject.getRDNs()) {
      if (rdn.isMultiValued()) {
        problems.add("subject has a multi-valued RDN");
      } else if (!rdn.getFirst().getType().equals(BCStyle.O)
          && !rdn.getFirst().getType().equals(BCStyle.CN)) {
        problems.add("subject has an attribute other than O and CN: " + rdn.getFirst().getType());
      }
    }
    if (!X509.attributeValues(subject, BCStyle.CN).equals(List.of(content.commonName()))) {
      problems.add("subject CN is not exactly the profile's");
    }
    if (!X509.attributeValues(subject, BCStyle.O).equals(content.organizations())) {
      problems.add("subject O is not exactly the profile's");
    }
    if (content.commonName().length() > 64) {
      problems.add("CN is longer than 64 characters (RFC 5280 upper bound)");
    }
  }

  private static void lintBasicConstraints(Extension extension, List<String> problems) {
    if (extension == null || !extension.isCritical()) {
      problems.add("basicConstraints must be present and critical");
    } else if (BasicConstraints.getInstance(extension.getParsedValue()).isCA()) {
      problems.add("a leaf must be CA:FALSE");
    }
  }

  private static void lintKeyUsage(
      Extension extension, KeyAlgorithm keyAlgorithm, List<String> problems) {
    if (extension == null || !extension.isCritical()) {
      problems.add("keyUsage must be present and critical");
      return;
    }
    KeyUsage usage = KeyUsage.getInstance(extension.getParsedValue());
    if (!usage.hasUsages(KeyUsage.digitalSignature)) {
      problems.add("keyUsage lacks digitalSignature");
    }
    if (usage.hasUsages(KeyUsage.keyCertSign) || usage.hasUsages(KeyUsage.cRLSign)) {
      problems.add("a leaf must not have keyCertSign or cRLSign");
    }
    if (usage.hasUsages(KeyUsage.keyEncipherment) != keyAlgorithm.isRsa()) {
      problems.add("keyEncipherment must be set for RSA keys and only for them (RFC 5480)");
    }
    int allowed = KeyUsage.digitalSignature | KeyUsage.keyEncipherment;
    for (int bit :
        new int[] {
          KeyUsage.nonRepudiation,
          KeyUsage.dataEncipherment,
          KeyUsage.keyAgreement,
          KeyUsage.encipherOnly,
          KeyUsage.decipherOnly
        }) {
      if ((bit & allowed) == 0 && usage.hasUsages(bit)) {
        problems.add("keyUsage has a bit the profiles never grant");
      }
    }
  }

  private static void lintExtendedKeyUsage(
      Extension extension, CertificateContent content, List<String> problems) {
    if (extension == null) {
      problems.add("extendedKeyUsage missing");
      return;
    }
    if (extension.isCritical()) {
      problems.add("extendedKeyUsage should not be critical");
    }
    List<KeyPurposeId> actual =
        Arrays.asList(ExtendedKeyUsage.getInstance(extension.getParsedValue()).getUsages());
    List<KeyPurposeId> expected = Arrays.asList(CertificateAssembler.purposes(content.profile()));
    if (!new HashSet<>(actual).equals(new HashSet<>(expected))
        || actual.size() != expected.size()) {
      problems.add("extendedKeyUsage differs from the profile's " + content.extendedKeyUsages());
    }
  }

  private static void lintKeyIdentifiers(
      Extensions extensions, CertificateAuthority ca, List<String> problems) {
    Extension ski = extensions.getExtension(Extension.subjectKeyIdentifier);
    if (ski == null
        || SubjectKeyIdentifier.getInstance(ski.getParsedValue()).getKeyIdentifier().length == 0) {
      problems.add("subjectKeyIdentifier missing");
    }
    Extension aki = extensions.getExtension(Extension.authorityKeyIdentifier);
    if (aki == null) {
      problems.add("authorityKeyIdentifier missing");
    } else {
      byte[] keyId =
          AuthorityKeyIdentifier.getInstance(aki.getParsedValue()).getKeyIdentifierOctets();
      if (keyId == null || !Arrays.equals(keyId, ca.subjectKeyId())) {
        problems.add("authorityKeyIdentifier is not the CA's subjectKeyIdentifier");
      }
    }
  }

  private static void lintSubjectAltNames(
      Extension extension, CertificateContent content, List<String> problems) {
    if (extension == null) {
      if (content.hasSubjectAltNames()) {
        problems.add("subjectAltName missing");
      }
      return;
    }
    if (!content.hasSubjectAltNames()) {
      problems.add("subjectAltName present on a profile without names");
    }
    if (extension.isCritical()) {
      problems.add("subjectAltName must not be critical when the subject is not empty");
    }
    List<String> dnsNames = new ArrayList<>();
    List<InetAddress> ipAddresses = new ArrayList<>();
    for (GeneralName name : GeneralNames.getInstance(extension.getParsedValue()).getNames()) {
      switch (name.getTagNo()) {
        case GeneralName.dNSName -> {
          if (!(name.getName() instanceof DERIA5String dns) || !Names.isDnsName(dns.getString())) {
            problems.add("a dNSName is not a valid IA5 DNS name");
          } else {
            dnsNames.add(dns.getString());
          }
        }
        case GeneralName.iPAddress -> {
          byte[] address = ASN1OctetString.getInstance(name.getName()).getOctets();
          if (address.length != 4 && address.length != 16) {
            problems.add("an iPAddress is neither 4 nor 16 bytes");
          } else {
            try {
              ipAddresses.add(InetAddress.getByAddress(address));
            } catch (java.net.UnknownHostException e) {
              problems.add("an iPAddress cannot be read");
            }
          }
        }
        default ->
            problems.add(
                "a subjectAltName of type " + name.getTagNo() + " (only DNS and IP allowed)");
      }
    }
    if (!dnsNames.equals(content.dnsNames()) || !ipAddresses.equals(content.ipAddresses())) {
      problems.add("subjectAltName differs from the profile's names");
    }
  }
}
