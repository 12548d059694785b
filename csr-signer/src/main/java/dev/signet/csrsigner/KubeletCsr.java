package dev.signet.csrsigner;

import dev.signet.client.rpc.Profile;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * A kubelet's CertificateSigningRequest judged as kube-controller-manager's signer judges it
 * (pkg/controller/certificates/signer/signer.go with pkg/apis/certificates/helpers.go), check for
 * check, in the same order and with the same messages, which end up in the CSR's Failed condition:
 *
 * <ul>
 *   <li>kubernetes.io/kubelet-serving: organization exactly [system:nodes]; at least one DNS or IP
 *       SAN; no e-mail and no URI SAN; usages exactly {digital signature, key encipherment, server
 *       auth} or {digital signature, server auth}; CN starting with system:node:.
 *   <li>kubernetes.io/kube-apiserver-client-kubelet: organization exactly [system:nodes]; no DNS,
 *       e-mail, IP or URI SAN; CN starting with system:node:; usages exactly {digital signature,
 *       key encipherment, client auth} or {digital signature, client auth}.
 * </ul>
 *
 * What passes becomes a typed Signet request: the node name (the CN after system:node:) and, for
 * serving, the SANs as addresses. signetd then applies its own rules (key policy, names, the node's
 * registered addresses) and builds the certificate from its profile, never from the CSR.
 */
final class KubeletCsr {
  static final String KUBELET_SERVING = "kubernetes.io/kubelet-serving";
  static final String KUBELET_CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";

  private static final String NODE_PREFIX = "system:node:";
  private static final Set<String> SERVING =
      Set.of("digital signature", "key encipherment", "server auth");
  private static final Set<String> SERVING_NO_RSA = Set.of("digital signature", "server auth");
  private static final Set<String> CLIENT =
      Set.of("digital signature", "key encipherment", "client auth");
  private static final Set<String> CLIENT_NO_RSA = Set.of("digital signature", "client auth");

  /** What signetd is asked for. */
  record Request(Profile profile, String nodeName, List<String> addresses, byte[] csrDer) {}

  /** The CSR is not one this signer signs; the message is kube-controller-manager's. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  /** The PEM of spec.request does not hold a CSR (kube-apiserver's validation prevents it). */
  static final class Unparsable extends Exception {
    Unparsable(String message) {
      super(message);
    }
  }

  private KubeletCsr() {}

  /** Judges {@code requestPem} for {@code signerName} with the CSR's {@code usages}. */
  static Request validate(String signerName, byte[] requestPem, List<String> usages)
      throws Invalid, Unparsable {
    PKCS10CertificationRequest csr = parse(requestPem);
    List<String> organizations = values(csr, BCStyle.O);
    List<String> commonNames = values(csr, BCStyle.CN);
    // Go's pkix.Name keeps the last CN it reads
    String commonName = commonNames.isEmpty() ? "" : commonNames.get(commonNames.size() - 1);
    SubjectAltNames sans = subjectAltNames(csr);
    Set<String> usageSet = new TreeSet<>(usages);
    if (!organizations.equals(List.of("system:nodes"))) {
      throw new Invalid("subject organization is not system:nodes");
    }
    if (signerName.equals(KUBELET_SERVING)) {
      if (sans.dns().isEmpty() && sans.ip().isEmpty()) {
        throw new Invalid("DNS or IP subjectAltName is required");
      }
      if (!sans.email().isEmpty()) {
        throw new Invalid("Email subjectAltNames are not allowed");
      }
      if (!sans.uri().isEmpty()) {
        throw new Invalid("URI subjectAltNames are not allowed");
      }
      if (!usageSet.equals(SERVING) && !usageSet.equals(SERVING_NO_RSA)) {
        throw new Invalid("usages did not match [digital signature key encipherment server auth]");
      }
      if (!commonName.startsWith(NODE_PREFIX)) {
        throw new Invalid("subject common name does not begin with system:node:");
      }
      List<String> addresses = new ArrayList<>(sans.dns());
      addresses.addAll(sans.ip());
      return new Request(
          Profile.KUBELET_SERVING, commonName.substring(NODE_PREFIX.length()), addresses, der(csr));
    }
    if (signerName.equals(KUBELET_CLIENT)) {
      if (!sans.dns().isEmpty()) {
        throw new Invalid("DNS subjectAltNames are not allowed");
      }
      if (!sans.email().isEmpty()) {
        throw new Invalid("Email subjectAltNames are not allowed");
      }
      if (!sans.ip().isEmpty()) {
        throw new Invalid("IP subjectAltNames are not allowed");
      }
      if (!sans.uri().isEmpty()) {
        throw new Invalid("URI subjectAltNames are not allowed");
      }
      if (!commonName.startsWith(NODE_PREFIX)) {
        throw new Invalid("subject common name does not begin with system:node:");
      }
      if (!usageSet.equals(CLIENT) && !usageSet.equals(CLIENT_NO_RSA)) {
        throw new Invalid("usages did not match [client auth digital signature key encipherment]");
      }
      return new Request(
          Profile.KUBELET_CLIENT, commonName.substring(NODE_PREFIX.length()), List.of(), der(csr));
    }
    throw new IllegalArgumentException("not a kubelet signer: " + signerName);
  }

  /** ParseCSR: the first PEM block, which must be a CERTIFICATE REQUEST. */
  private static PKCS10CertificationRequest parse(byte[] pem) throws Unparsable {
    try (PemReader reader =
        new PemReader(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      PemObject block = reader.readPemObject();
      if (block == null || !block.getType().equals("CERTIFICATE REQUEST")) {
        throw new Unparsable("PEM block type must be CERTIFICATE REQUEST");
      }
      return new PKCS10CertificationRequest(block.getContent());
    } catch (IOException | RuntimeException e) {
      throw new Unparsable("unable to parse the CSR: " + e.getMessage());
    }
  }

  private static byte[] der(PKCS10CertificationRequest csr) {
    try {
      return csr.getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> values(
      PKCS10CertificationRequest csr, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
    List<String> values = new ArrayList<>();
    for (RDN rdn : csr.getSubject().getRDNs()) {
      for (AttributeTypeAndValue value : rdn.getTypesAndValues()) {
        if (value.getType().equals(type)) {
          values.add(
              value.getValue() instanceof ASN1String text
                  ? text.getString()
                  : IETFUtils.valueToString(value.getValue()));
        }
      }
    }
    return values;
  }

  /** The SANs a CSR asks for, by kind, as Go's x509.CertificateRequest exposes them. */
  record SubjectAltNames(List<String> dns, List<String> email, List<String> ip, List<String> uri) {}

  private static SubjectAltNames subjectAltNames(PKCS10CertificationRequest csr) throws Unparsable {
    List<String> dns = new ArrayList<>();
    List<String> email = new ArrayList<>();
    List<String> ip = new ArrayList<>();
    List<String> uri = new ArrayList<>();
    for (Attribute attribute :
        csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      for (ASN1Encodable value : attribute.getAttributeValues()) {
        Extension extension =
            Extensions.getInstance(value).getExtension(Extension.subjectAlternativeName);
        if (extension == null) {
          continue;
        }
        for (GeneralName name : GeneralNames.getInstance(extension.getParsedValue()).getNames()) {
          switch (name.getTagNo()) {
            case GeneralName.dNSName ->
                dns.add(DERIA5String.getInstance(name.getName()).getString());
            case GeneralName.rfc822Name ->
                email.add(DERIA5String.getInstance(name.getName()).getString());
            case GeneralName.uniformResourceIdentifier ->
                uri.add(DERIA5String.getInstance(name.getName()).getString());
            case GeneralName.iPAddress -> ip.add(address(name));
            default -> {
              // other kinds (otherName, directoryName) are not among Go's four lists
            }
          }
        }
      }
    }
    return new SubjectAltNames(dns, email, ip, uri);
  }

  private static String address(GeneralName name) throws Unparsable {
    try {
      return InetAddress.getByAddress(ASN1OctetString.getInstance(name.getName()).getOctets())
          .getHostAddress();
    } catch (UnknownHostException e) {
      throw new Unparsable("an IP address SAN of the CSR has a bad length");
    }
  }
}
