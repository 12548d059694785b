package dev.signet.server.issuance;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.profile.CertificateContent;
import dev.signet.server.profile.Profile;
import dev.signet.server.x509.X509;
import java.math.BigInteger;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;

/**
 * Builds the to-be-signed part of a leaf certificate from the profile's content, the node's public
 * key and the issuing CA. Pure: same inputs, same bytes.
 *
 * <p>Fields, after {@code kubernetes-profiles.md}: subject O then CN; KeyUsage critical with
 * digitalSignature, plus keyEncipherment only for RSA keys (RFC 5480 forbids it for EC keys); EKU
 * exactly the profile's; BasicConstraints critical CA:FALSE; SKI of the leaf key; AKI = the CA's
 * SKI; SANs when the profile has names; the signature algorithm of the CA key.
 */
final class CertificateAssembler {
  private CertificateAssembler() {}

  static TBSCertificate toBeSigned(
      CertificateContent content,
      SubjectPublicKeyInfo publicKey,
      KeyAlgorithm keyAlgorithm,
      CertificateAuthority ca,
      BigInteger serial,
      Instant notBefore,
      Instant notAfter) {
    V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
    tbs.setSerialNumber(new ASN1Integer(serial));
    tbs.setSignature(ca.signatureAlgorithm());
    tbs.setIssuer(ca.subject());
    tbs.setStartDate(X509.time(notBefore));
    tbs.setEndDate(X509.time(notAfter));
    tbs.setSubject(subject(content));
    tbs.setSubjectPublicKeyInfo(publicKey);
    tbs.setExtensions(extensions(content, publicKey, keyAlgorithm, ca).generate());
    return tbs.generateTBSCertificate();
  }

  static X500Name subject(CertificateContent content) {
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE);
    for (String organization : content.organizations()) {
      name.addRDN(BCStyle.O, organization);
    }
    return name.addRDN(BCStyle.CN, content.commonName()).build();
  }

  private static ExtensionsGenerator extensions(
      CertificateContent content,
      SubjectPublicKeyInfo publicKey,
      KeyAlgorithm keyAlgorithm,
      CertificateAuthority ca) {
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    try {
      int keyUsage =
          KeyUsage.digitalSignature | (keyAlgorithm.isRsa() ? KeyUsage.keyEncipherment : 0);
      extensions.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
      extensions.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes(content.profile())));
      extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      extensions.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          new SubjectKeyIdentifier(X509.keyIdentifier(publicKey)));
      extensions.addExtension(
          Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(ca.subjectKeyId()));
      if (content.hasSubjectAltNames()) {
        extensions.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(content));
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot encode an extension", e);
    }
    return extensions;
  }

  /** serverAuth before clientAuth, as Go and kubeadm order them. */
  static KeyPurposeId[] purposes(Profile profile) {
    List<KeyPurposeId> purposes = new ArrayList<>();
    if (profile.usage().extendedKeyUsages().contains(Profile.ExtendedKeyUsage.SERVER_AUTH)) {
      purposes.add(KeyPurposeId.id_kp_serverAuth);
    }
    if (profile.usage().extendedKeyUsages().contains(Profile.ExtendedKeyUsage.CLIENT_AUTH)) {
      purposes.add(KeyPurposeId.id_kp_clientAuth);
    }
    return purposes.toArray(new KeyPurposeId[0]);
  }

  private static GeneralNames subjectAltNames(CertificateContent content) {
    List<GeneralName> names = new ArrayList<>();
    for (String dns : content.dnsNames()) {
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (InetAddress ip : content.ipAddresses()) {
      names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress())));
    }
    return new GeneralNames(names.toArray(new GeneralName[0]));
  }
}
