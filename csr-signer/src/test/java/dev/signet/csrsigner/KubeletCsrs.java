package dev.signet.csrsigner;

import dev.signet.common.KeyAlgorithm;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.io.pem.PemReader;

/** Kubelet CSRs as a kubelet makes them, and CertificateSigningRequest objects around them. */
final class KubeletCsrs {
  static final List<String> SERVING_USAGES =
      List.of("digital signature", "key encipherment", "server auth");
  static final List<String> CLIENT_USAGES =
      List.of("digital signature", "key encipherment", "client auth");

  private KubeletCsrs() {}

  /**
   * A PEM PKCS#10 request with {@code commonName}, the organizations and SANs given as "dns:",
   * "ip:", "email:" or "uri:" prefixed values.
   */
  static byte[] pem(String commonName, List<String> organizations, String... sans)
      throws Exception {
    KeyPair keys = KeyAlgorithm.ECDSA_P256.generateKeyPair();
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
    organizations.forEach(o -> subject.addRDN(BCStyle.O, o));
    if (!commonName.isEmpty()) {
      subject.addRDN(BCStyle.CN, commonName);
    }
    JcaPKCS10CertificationRequestBuilder builder =
        new JcaPKCS10CertificationRequestBuilder(subject.build(), keys.getPublic());
    List<GeneralName> names = new ArrayList<>();
    for (String san : sans) {
      String value = san.substring(san.indexOf(':') + 1);
      names.add(
          switch (san.substring(0, san.indexOf(':'))) {
            case "dns" -> new GeneralName(GeneralName.dNSName, value);
            case "ip" -> new GeneralName(GeneralName.iPAddress, value);
            case "email" -> new GeneralName(GeneralName.rfc822Name, value);
            default -> new GeneralName(GeneralName.uniformResourceIdentifier, value);
          });
    }
    if (!names.isEmpty()) {
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(new GeneralName[0])));
      builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
    }
    PKCS10CertificationRequest csr =
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(csr);
    }
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /** The DER of a PEM request. */
  static byte[] der(byte[] pem) throws Exception {
    try (PemReader reader =
        new PemReader(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      return reader.readPemObject().getContent();
    }
  }

  /** A CertificateSigningRequest object as a kubelet creates it (not yet approved). */
  static CertificateSigningRequest object(
      String name, String signerName, byte[] pem, List<String> usages, Integer expirationSeconds) {
    return new CertificateSigningRequestBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .withSignerName(signerName)
        .withRequest(Base64.getEncoder().encodeToString(pem))
        .withUsages(usages)
        .withExpirationSeconds(expirationSeconds)
        .withUsername("system:node:" + name)
        .endSpec()
        .build();
  }
}
