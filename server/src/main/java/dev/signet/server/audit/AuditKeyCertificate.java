package dev.signet.server.audit;

import dev.signet.common.audit.AuditKeyTrust;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.database.LedgerException;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Optional;
import java.util.logging.Logger;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;

/**
 * The audit key's certificate issued by the signet-api CA, which every witness line carries: with
 * it, anyone holding the signet-api CA bundle (every Signet client has it) can check checkpoints.
 * CA:FALSE, digitalSignature and the one extended key usage documentSigning (RFC 9336), so that it
 * is good for no TLS connection, signetd's own included. Issued once per audit key and kept in the
 * ledger; issued again only when the one there no longer verifies under the signet-api CA.
 */
public final class AuditKeyCertificate {
  private static final Logger LOG = Logger.getLogger(AuditKeyCertificate.class.getName());

  private AuditKeyCertificate() {}

  /** The certificate in the ledger for {@code key}, or a new one issued and recorded now. */
  public static X509Certificate ensure(
      AuditKey key,
      CertificateAuthority signetApi,
      AuditCheckpoints store,
      AuditLog audit,
      SerialNumbers serials,
      Clock clock)
      throws LedgerException, SigningException {
    Optional<byte[]> recorded = store.auditKeyCertificate(key.keyId());
    if (recorded.isPresent()) {
      X509Certificate certificate = X509.parse(recorded.get());
      if (issuedFor(certificate, key, signetApi)) {
        return certificate;
      }
    }
    Instant now = clock.instant();
    BigInteger serial = serials.next();
    X509Certificate certificate = issue(key, signetApi, serial);
    store.storeAuditKeyCertificate(key.keyId(), X509.encoded(certificate));
    audit.record(
        new AuditEvent(
            now,
            "signetd",
            "",
            "CertifyAuditKey",
            "",
            "",
            AuditEvent.Decision.APPROVED,
            "AUDIT_KEY_CERTIFIED",
            "the signet-api CA certified audit key " + key.keyId() + " for witness lines",
            X509.serialHex(serial),
            "",
            ""));
    LOG.info("the signet-api CA certified the audit key " + key.keyId());
    return certificate;
  }

  private static boolean issuedFor(
      X509Certificate certificate, AuditKey key, CertificateAuthority ca) {
    try {
      certificate.verify(ca.certificate().getPublicKey());
      return Arrays.equals(certificate.getPublicKey().getEncoded(), key.publicKey().getEncoded());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509Certificate issue(AuditKey key, CertificateAuthority issuer, BigInteger serial)
      throws SigningException {
    SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(key.publicKey().getEncoded());
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    try {
      extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      extensions.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      extensions.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              KeyPurposeId.getInstance(new ASN1ObjectIdentifier(AuditKeyTrust.DOCUMENT_SIGNING))));
      extensions.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          new SubjectKeyIdentifier(X509.keyIdentifier(publicKey)));
      extensions.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new AuthorityKeyIdentifier(issuer.subjectKeyId()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "signet-audit").build();
    V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
    tbs.setSerialNumber(new ASN1Integer(serial));
    tbs.setSignature(issuer.signatureAlgorithm());
    tbs.setIssuer(issuer.subject());
    tbs.setSubject(subject);
    // valid from the start of the chain of checkpoints it vouches for: as long as its issuer
    tbs.setStartDate(X509.time(issuer.notBefore().truncatedTo(ChronoUnit.SECONDS)));
    tbs.setEndDate(X509.time(issuer.notAfter()));
    tbs.setSubjectPublicKeyInfo(publicKey);
    tbs.setExtensions(extensions.generate());
    TBSCertificate toBeSigned = tbs.generateTBSCertificate();
    byte[] signature = issuer.key().sign(X509.der(toBeSigned));
    if (!issuer.verifies(X509.der(toBeSigned), signature)) {
      throw SigningException.tokenFailure(
          "the token returned a signature that does not verify", null);
    }
    return X509.assemble(toBeSigned, issuer.signatureAlgorithm(), signature);
  }
}
