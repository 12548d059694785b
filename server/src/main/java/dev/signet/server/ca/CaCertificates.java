package dev.signet.server.ca;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.x509.X509;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;

/**
 * The self-signed certificate of a new key in the token. For a CA, as {@code
 * kubernetes-profiles.md} describes it: CA:TRUE (critical), KeyUsage keyCertSign, cRLSign and
 * digitalSignature (critical), a subject key identifier, a dNSName equal to the CN (as kubeadm),
 * backdated like leaves. For a signing key that is no CA (the audit key): CA:FALSE and
 * digitalSignature only; its certificate exists so that the token and auditors can name the key.
 */
public final class CaCertificates {
  /** Signs the to-be-signed bytes with the new CA's own key. */
  @FunctionalInterface
  public interface SelfSigner {
    byte[] sign(byte[] tbs) throws Exception;
  }

  private CaCertificates() {}

  /**
   * The certificate of CA {@code subject} (same name, same key) issued by another CA: a cross
   * certificate, which lets clients that trust only {@code issuer} accept what {@code subject}
   * signs. Valid no longer than either CA.
   */
  public static X509Certificate crossSigned(
      X509Certificate subject,
      CertificateAuthority issuer,
      BigInteger serial,
      Instant now,
      Duration backdate)
      throws SigningException {
    SubjectPublicKeyInfo key =
        SubjectPublicKeyInfo.getInstance(subject.getPublicKey().getEncoded());
    Instant notBefore = now.minus(backdate).truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter =
        subject.getNotAfter().toInstant().isBefore(issuer.notAfter())
            ? subject.getNotAfter().toInstant()
            : issuer.notAfter();
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    try {
      extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      extensions.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      extensions.addExtension(
          Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(X509.keyIdentifier(key)));
      extensions.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new org.bouncycastle.asn1.x509.AuthorityKeyIdentifier(issuer.subjectKeyId()));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
    tbs.setSerialNumber(new ASN1Integer(serial));
    tbs.setSignature(issuer.signatureAlgorithm());
    tbs.setIssuer(issuer.subject());
    tbs.setSubject(X500Name.getInstance(subject.getSubjectX500Principal().getEncoded()));
    tbs.setStartDate(X509.time(notBefore));
    tbs.setEndDate(X509.time(notAfter));
    tbs.setSubjectPublicKeyInfo(key);
    tbs.setExtensions(extensions.generate());
    TBSCertificate toBeSigned = tbs.generateTBSCertificate();
    byte[] signature = issuer.key().sign(X509.der(toBeSigned));
    if (!issuer.verifies(X509.der(toBeSigned), signature)) {
      throw SigningException.tokenFailure(
          "the token returned a cross-signature that does not verify", null);
    }
    return X509.assemble(toBeSigned, issuer.signatureAlgorithm(), signature);
  }

  public static X509Certificate selfSigned(
      String commonName,
      boolean authority,
      PublicKey publicKey,
      KeyAlgorithm algorithm,
      BigInteger serial,
      Instant now,
      Duration validity,
      Duration backdate,
      SelfSigner signer)
      throws Exception {
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    SubjectPublicKeyInfo key = SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
    Instant notBefore = now.minus(backdate).truncatedTo(ChronoUnit.SECONDS);
    AlgorithmIdentifier signatureAlgorithm = X509.signatureAlgorithm(algorithm);

    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(authority));
    extensions.addExtension(
        Extension.keyUsage,
        true,
        new KeyUsage(
            authority
                ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
                : KeyUsage.digitalSignature));
    extensions.addExtension(
        Extension.subjectKeyIdentifier, false, new SubjectKeyIdentifier(X509.keyIdentifier(key)));
    extensions.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.dNSName, commonName)));

    V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
    tbs.setSerialNumber(new ASN1Integer(serial));
    tbs.setSignature(signatureAlgorithm);
    tbs.setIssuer(subject);
    tbs.setSubject(subject);
    tbs.setStartDate(X509.time(notBefore));
    tbs.setEndDate(X509.time(notBefore.plus(validity)));
    tbs.setSubjectPublicKeyInfo(key);
    tbs.setExtensions(extensions.generate());
    TBSCertificate toBeSigned = tbs.generateTBSCertificate();

    X509Certificate certificate =
        X509.assemble(toBeSigned, signatureAlgorithm, signer.sign(X509.der(toBeSigned)));
    certificate.verify(publicKey);
    return certificate;
  }
}
