package dev.signet.server.issuance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.profile.CertificateContent;
import dev.signet.server.profile.ClusterDefaults;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import dev.signet.server.profile.Profiles;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
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
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves that {@link CertificateLinter} passes what {@link CertificateAssembler} builds for real
 * profiles and refuses a to-be-signed certificate that breaks any one of its rules: CA:TRUE, key
 * usages, extended key usages, key identifiers, names, validity and serial number.
 */
class CertificateLinterTest {
  private static final Instant CA_CREATED = Instant.parse("2030-01-01T00:00:00Z");
  private static final Instant NOT_BEFORE = Instant.parse("2030-06-01T12:00:00Z");
  private static final Duration VALIDITY = Duration.ofDays(365);

  /** What the issuer allows: the lifetime plus the backdate. */
  private static final Duration MAX_VALIDITY = VALIDITY.plus(Duration.ofMinutes(5));

  private static final BigInteger SERIAL =
      BigInteger.ONE.shiftLeft(126).add(BigInteger.valueOf(12345));

  private static SoftwareCa ca;
  private static KeyPair ecLeaf;
  private static KeyPair rsaLeaf;

  @BeforeAll
  static void keys() throws Exception {
    ca =
        SoftwareCa.create(
            "kubernetes",
            KeyAlgorithm.ECDSA_P256,
            CA_CREATED,
            Duration.ofDays(3650),
            Duration.ZERO);
    ecLeaf = KeyAlgorithm.ECDSA_P256.generateKeyPair();
    rsaLeaf = KeyAlgorithm.RSA_2048.generateKeyPair();
  }

  // --- what the assembler builds passes -------------------------------------------------------

  @Test
  void unmodifiedKubeletClientCertificatePasses() throws Exception {
    assertEquals(List.of(), lint(kubeletClient(), ecTbs(kubeletClient()), KeyAlgorithm.ECDSA_P256));
  }

  @Test
  void unmodifiedRsaKubeletServingCertificatePasses() throws Exception {
    CertificateContent content = kubeletServing();

    assertEquals(
        List.of(),
        lint(content, tbs(content, rsaLeaf, KeyAlgorithm.RSA_2048), KeyAlgorithm.RSA_2048));
  }

  @Test
  void unmodifiedApiserverAndEtcdCertificatesPass() throws Exception {
    for (CertificateContent content : List.of(apiserver(), etcdPeer())) {
      assertEquals(
          List.of(),
          lint(content, ecTbs(content), KeyAlgorithm.ECDSA_P256),
          content.profile().id());
    }
  }

  // --- basic constraints and key usage --------------------------------------------------------

  @Test
  void caTrueIsAProblem() throws Exception {
    assertOnlyProblem(
        "CA:FALSE", withExtension(Extension.basicConstraints, true, new BasicConstraints(true)));
  }

  @Test
  void nonCriticalOrMissingBasicConstraintsIsAProblem() throws Exception {
    assertOnlyProblem(
        "basicConstraints",
        withExtension(Extension.basicConstraints, false, new BasicConstraints(false)));
    assertOnlyProblem("basicConstraints", without(Extension.basicConstraints));
  }

  @Test
  void keyEnciphermentOnAnEcKeyIsAProblem() throws Exception {
    assertOnlyProblem(
        "keyEncipherment",
        withExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment)));
  }

  @Test
  void missingKeyEnciphermentOnAnRsaKeyIsAProblem() throws Exception {
    CertificateContent content = kubeletServing();
    TBSCertificate tbs =
        rebuild(
            tbs(content, rsaLeaf, KeyAlgorithm.RSA_2048),
            f -> {},
            e ->
                e.put(
                    Extension.keyUsage,
                    extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))));

    List<String> problems = lint(content, tbs, KeyAlgorithm.RSA_2048);

    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("keyEncipherment"), problems.toString());
  }

  @Test
  void keyCertSignIsAProblem() throws Exception {
    assertProblem(
        "keyCertSign",
        withExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign)));
  }

  @Test
  void keyUsageBitsNoProfileGrantsAreAProblem() throws Exception {
    assertOnlyProblem(
        "never grant",
        withExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation)));
  }

  @Test
  void missingDigitalSignatureIsAProblem() throws Exception {
    assertProblem(
        "digitalSignature",
        withExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyAgreement)));
  }

  @Test
  void nonCriticalKeyUsageIsAProblem() throws Exception {
    assertOnlyProblem(
        "keyUsage",
        withExtension(Extension.keyUsage, false, new KeyUsage(KeyUsage.digitalSignature)));
  }

  // --- extended key usage ---------------------------------------------------------------------

  @Test
  void extraExtendedKeyUsageIsAProblem() throws Exception {
    assertOnlyProblem(
        "extendedKeyUsage",
        withExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {
                  KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_codeSigning
                })));
  }

  @Test
  void serverAuthOnAClientProfileIsAProblem() throws Exception {
    assertOnlyProblem(
        "extendedKeyUsage",
        withExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {
                  KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                })));
  }

  @Test
  void repeatedExtendedKeyUsageIsAProblem() throws Exception {
    assertOnlyProblem(
        "extendedKeyUsage",
        withExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {
                  KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_clientAuth
                })));
  }

  @Test
  void missingOrCriticalExtendedKeyUsageIsAProblem() throws Exception {
    assertOnlyProblem("extendedKeyUsage", without(Extension.extendedKeyUsage));
    assertOnlyProblem(
        "extendedKeyUsage",
        withExtension(
            Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)));
  }

  // --- key identifiers ------------------------------------------------------------------------

  @Test
  void missingAuthorityKeyIdentifierIsAProblem() throws Exception {
    assertOnlyProblem("authorityKeyIdentifier", without(Extension.authorityKeyIdentifier));
  }

  @Test
  void wrongAuthorityKeyIdentifierIsAProblem() throws Exception {
    byte[] other =
        X509.keyIdentifier(SubjectPublicKeyInfo.getInstance(ecLeaf.getPublic().getEncoded()));

    assertOnlyProblem(
        "authorityKeyIdentifier",
        withExtension(Extension.authorityKeyIdentifier, false, new AuthorityKeyIdentifier(other)));
  }

  @Test
  void missingSubjectKeyIdentifierIsAProblem() throws Exception {
    assertOnlyProblem("subjectKeyIdentifier", without(Extension.subjectKeyIdentifier));
  }

  @Test
  void unexpectedExtensionIsAProblem() throws Exception {
    assertOnlyProblem(
        "unexpected extension",
        withExtension(
            new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), false, new DERUTF8String("x")));
  }

  // --- names ----------------------------------------------------------------------------------

  @Test
  void sanThatDoesNotMatchTheProfileIsAProblem() throws Exception {
    CertificateContent content = apiserver();
    List<GeneralName> names = sans(content);
    names.add(new GeneralName(GeneralName.dNSName, "evil.example.com"));
    TBSCertificate tbs =
        rebuild(
            ecTbs(content),
            f -> {},
            e ->
                e.put(
                    Extension.subjectAlternativeName,
                    extension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(names.toArray(new GeneralName[0])))));

    assertOnly("subjectAltName differs", lint(content, tbs, KeyAlgorithm.ECDSA_P256));
  }

  @Test
  void sanWithAnotherIpAddressIsAProblem() throws Exception {
    CertificateContent content = apiserver();
    List<GeneralName> names = sans(content);
    names.set(names.size() - 1, new GeneralName(GeneralName.iPAddress, "192.168.1.99"));
    TBSCertificate tbs =
        rebuild(
            ecTbs(content),
            f -> {},
            e ->
                e.put(
                    Extension.subjectAlternativeName,
                    extension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(names.toArray(new GeneralName[0])))));

    assertOnly("subjectAltName differs", lint(content, tbs, KeyAlgorithm.ECDSA_P256));
  }

  @Test
  void sanOfAnotherTypeIsAProblem() throws Exception {
    CertificateContent content = apiserver();
    List<GeneralName> names = sans(content);
    names.add(new GeneralName(GeneralName.rfc822Name, "admin@example.com"));
    TBSCertificate tbs =
        rebuild(
            ecTbs(content),
            f -> {},
            e ->
                e.put(
                    Extension.subjectAlternativeName,
                    extension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(names.toArray(new GeneralName[0])))));

    assertHas("only DNS and IP", lint(content, tbs, KeyAlgorithm.ECDSA_P256));
  }

  @Test
  void missingOrCriticalSanIsAProblem() throws Exception {
    CertificateContent content = apiserver();
    TBSCertificate missing =
        rebuild(ecTbs(content), f -> {}, e -> e.remove(Extension.subjectAlternativeName));
    TBSCertificate critical =
        rebuild(
            ecTbs(content),
            f -> {},
            e ->
                e.put(
                    Extension.subjectAlternativeName,
                    extension(
                        Extension.subjectAlternativeName,
                        true,
                        new GeneralNames(sans(content).toArray(new GeneralName[0])))));

    assertOnly("subjectAltName missing", lint(content, missing, KeyAlgorithm.ECDSA_P256));
    assertOnly(
        "subjectAltName must not be critical", lint(content, critical, KeyAlgorithm.ECDSA_P256));
  }

  @Test
  void sanOnAProfileWithoutNamesIsAProblem() throws Exception {
    assertProblem(
        "without names",
        withExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(new GeneralName(GeneralName.dNSName, "worker-1"))));
  }

  @Test
  void subjectWithAnotherOrganizationIsAProblem() throws Exception {
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "system:masters")
            .addRDN(BCStyle.CN, "system:node:worker-1")
            .build();

    assertOnlyProblem(
        "subject O", rebuild(ecTbs(kubeletClient()), f -> f.setSubject(subject), e -> {}));
  }

  @Test
  void subjectWithAnotherCommonNameIsAProblem() throws Exception {
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "system:nodes")
            .addRDN(BCStyle.CN, "system:node:worker-2")
            .build();

    assertOnlyProblem(
        "subject CN", rebuild(ecTbs(kubeletClient()), f -> f.setSubject(subject), e -> {}));
  }

  @Test
  void subjectWithOtherAttributesOrMultiValuedRdnsIsAProblem() throws Exception {
    X500Name withOu =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "system:nodes")
            .addRDN(BCStyle.OU, "extra")
            .addRDN(BCStyle.CN, "system:node:worker-1")
            .build();
    X500Name multiValued =
        new X500Name(
            new RDN[] {
              new RDN(
                  new AttributeTypeAndValue[] {
                    new AttributeTypeAndValue(BCStyle.O, new DERUTF8String("system:nodes")),
                    new AttributeTypeAndValue(BCStyle.CN, new DERUTF8String("system:node:worker-1"))
                  })
            });

    assertOnlyProblem(
        "other than O and CN", rebuild(ecTbs(kubeletClient()), f -> f.setSubject(withOu), e -> {}));
    assertProblem(
        "multi-valued", rebuild(ecTbs(kubeletClient()), f -> f.setSubject(multiValued), e -> {}));
  }

  @Test
  void issuerOtherThanTheCaIsAProblem() throws Exception {
    assertOnlyProblem(
        "issuer",
        rebuild(ecTbs(kubeletClient()), f -> f.setIssuer(new X500Name("CN=etcd-ca")), e -> {}));
  }

  @Test
  void signatureAlgorithmOtherThanTheCaKeysIsAProblem() throws Exception {
    assertOnlyProblem(
        "signature algorithm",
        rebuild(
            ecTbs(kubeletClient()),
            f -> f.setSignature(X509.signatureAlgorithm(KeyAlgorithm.ECDSA_P384)),
            e -> {}));
  }

  // --- validity -------------------------------------------------------------------------------

  @Test
  void validityBeyondTheCaIsAProblem() throws Exception {
    Instant caNotAfter = ca.certificate.getNotAfter().toInstant();
    TBSCertificate tbs =
        rebuild(
            ecTbs(kubeletClient()),
            f -> {
              f.setStartDate(X509.time(caNotAfter.minus(Duration.ofDays(100))));
              f.setEndDate(X509.time(caNotAfter.plus(Duration.ofDays(1))));
            },
            e -> {});

    assertOnlyProblem("CA's own validity", tbs);
  }

  @Test
  void validityStartingBeforeTheCaIsAProblem() throws Exception {
    Instant caNotBefore = ca.certificate.getNotBefore().toInstant();
    TBSCertificate tbs =
        rebuild(
            ecTbs(kubeletClient()),
            f -> {
              f.setStartDate(X509.time(caNotBefore.minusSeconds(1)));
              f.setEndDate(X509.time(caNotBefore.plus(Duration.ofDays(30))));
            },
            e -> {});

    assertOnlyProblem("CA's own validity", tbs);
  }

  @Test
  void validityLongerThanConfiguredIsAProblem() throws Exception {
    TBSCertificate tbs =
        rebuild(
            ecTbs(kubeletClient()),
            f -> f.setEndDate(X509.time(NOT_BEFORE.plus(MAX_VALIDITY).plusSeconds(1))),
            e -> {});

    assertOnlyProblem("longer than", tbs);
  }

  @Test
  void validityOfExactlyTheMaximumPasses() throws Exception {
    TBSCertificate tbs =
        rebuild(
            ecTbs(kubeletClient()),
            f -> f.setEndDate(X509.time(NOT_BEFORE.plus(MAX_VALIDITY))),
            e -> {});

    assertEquals(List.of(), lint(kubeletClient(), tbs, KeyAlgorithm.ECDSA_P256));
  }

  @Test
  void notAfterBeforeNotBeforeIsAProblem() throws Exception {
    TBSCertificate tbs =
        rebuild(
            ecTbs(kubeletClient()),
            f -> f.setEndDate(X509.time(NOT_BEFORE.minusSeconds(1))),
            e -> {});

    assertProblem("notBefore is not before notAfter", tbs);
  }

  // --- serial number --------------------------------------------------------------------------

  @Test
  void negativeSerialIsAProblem() throws Exception {
    assertProblem(
        "not positive",
        rebuild(
            ecTbs(kubeletClient()),
            f -> f.setSerialNumber(new ASN1Integer(SERIAL.negate())),
            e -> {}));
  }

  @Test
  void zeroSerialIsAProblem() throws Exception {
    assertProblem(
        "not positive",
        rebuild(ecTbs(kubeletClient()), f -> f.setSerialNumber(new ASN1Integer(0)), e -> {}));
  }

  @Test
  void serialWithTooFewOrTooManyBitsIsAProblem() throws Exception {
    assertOnlyProblem(
        "64 to 159 bits",
        rebuild(
            ecTbs(kubeletClient()),
            f -> f.setSerialNumber(new ASN1Integer(BigInteger.ONE.shiftLeft(62))),
            e -> {}));
    assertOnlyProblem(
        "64 to 159 bits",
        rebuild(
            ecTbs(kubeletClient()),
            f -> f.setSerialNumber(new ASN1Integer(BigInteger.ONE.shiftLeft(160))),
            e -> {}));
  }

  @Test
  void serialsOf64And159BitsPass() throws Exception {
    for (BigInteger serial :
        List.of(
            BigInteger.ONE.shiftLeft(63), BigInteger.ONE.shiftLeft(159).subtract(BigInteger.ONE))) {
      TBSCertificate tbs =
          rebuild(ecTbs(kubeletClient()), f -> f.setSerialNumber(new ASN1Integer(serial)), e -> {});
      assertEquals(
          List.of(), lint(kubeletClient(), tbs, KeyAlgorithm.ECDSA_P256), serial.toString(16));
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  private static List<String> lint(
      CertificateContent content, TBSCertificate tbs, KeyAlgorithm keyAlgorithm) {
    return CertificateLinter.lint(tbs, content, keyAlgorithm, ca.issuing, MAX_VALIDITY);
  }

  /** A kubelet-client TBS with one extension replaced or added. */
  private static TBSCertificate withExtension(
      ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) throws Exception {
    return rebuild(
        ecTbs(kubeletClient()), f -> {}, e -> e.put(oid, extension(oid, critical, value)));
  }

  /** A kubelet-client TBS with one extension removed. */
  private static TBSCertificate without(ASN1ObjectIdentifier oid) throws Exception {
    return rebuild(
        ecTbs(kubeletClient()), f -> {}, e -> assertTrue(e.remove(oid) != null, "had " + oid));
  }

  /** Lints a kubelet-client TBS: exactly one problem, mentioning {@code words}. */
  private static void assertOnlyProblem(String words, TBSCertificate tbs) throws Exception {
    assertOnly(words, lint(kubeletClient(), tbs, KeyAlgorithm.ECDSA_P256));
  }

  /** Lints a kubelet-client TBS: at least one problem mentioning {@code words}. */
  private static void assertProblem(String words, TBSCertificate tbs) throws Exception {
    assertHas(words, lint(kubeletClient(), tbs, KeyAlgorithm.ECDSA_P256));
  }

  private static void assertOnly(String words, List<String> problems) {
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains(words), problems.toString());
  }

  private static void assertHas(String words, List<String> problems) {
    assertFalse(problems.isEmpty(), "no problem found");
    assertTrue(problems.stream().anyMatch(p -> p.contains(words)), problems.toString());
  }

  private static Extension extension(
      ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
    try {
      return new Extension(
          oid, critical, new DEROctetString(value.toASN1Primitive().getEncoded(ASN1Encoding.DER)));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The names the assembler puts into the SAN of {@code content}, in its order. */
  private static List<GeneralName> sans(CertificateContent content) {
    List<GeneralName> names = new java.util.ArrayList<>();
    for (String dns : content.dnsNames()) {
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (java.net.InetAddress ip : content.ipAddresses()) {
      names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress())));
    }
    return names;
  }

  /** Copies {@code base}, then lets the test change fields and extensions. */
  private static TBSCertificate rebuild(
      TBSCertificate base,
      Consumer<V3TBSCertificateGenerator> fields,
      Consumer<Map<ASN1ObjectIdentifier, Extension>> extensions) {
    V3TBSCertificateGenerator generator = new V3TBSCertificateGenerator();
    generator.setSerialNumber(base.getSerialNumber());
    generator.setSignature(base.getSignature());
    generator.setIssuer(base.getIssuer());
    generator.setStartDate(base.getStartDate());
    generator.setEndDate(base.getEndDate());
    generator.setSubject(base.getSubject());
    generator.setSubjectPublicKeyInfo(base.getSubjectPublicKeyInfo());
    Map<ASN1ObjectIdentifier, Extension> copy = new LinkedHashMap<>();
    for (ASN1ObjectIdentifier oid : base.getExtensions().getExtensionOIDs()) {
      copy.put(oid, base.getExtensions().getExtension(oid));
    }
    extensions.accept(copy);
    generator.setExtensions(new Extensions(copy.values().toArray(new Extension[0])));
    fields.accept(generator);
    return generator.generateTBSCertificate();
  }

  private static TBSCertificate ecTbs(CertificateContent content) {
    return tbs(content, ecLeaf, KeyAlgorithm.ECDSA_P256);
  }

  private static TBSCertificate tbs(
      CertificateContent content, KeyPair leaf, KeyAlgorithm algorithm) {
    return CertificateAssembler.toBeSigned(
        content,
        SubjectPublicKeyInfo.getInstance(leaf.getPublic().getEncoded()),
        algorithm,
        ca.issuing,
        SERIAL,
        NOT_BEFORE,
        NOT_BEFORE.plus(VALIDITY));
  }

  private static CertificateContent kubeletClient() throws Exception {
    return Profiles.content(
        Profile.KUBELET_CLIENT,
        new ProfileParameters.KubeletClient("worker-1"),
        ClusterDefaults.KUBEADM);
  }

  private static CertificateContent kubeletServing() throws Exception {
    return Profiles.content(
        Profile.KUBELET_SERVING,
        new ProfileParameters.KubeletServing("worker-1", List.of("worker-1", "10.0.0.5")),
        ClusterDefaults.KUBEADM);
  }

  private static CertificateContent apiserver() throws Exception {
    return Profiles.content(
        Profile.APISERVER,
        new ProfileParameters.Apiserver("cp-1", "192.168.1.10", "", "", "", List.of()),
        ClusterDefaults.KUBEADM);
  }

  private static CertificateContent etcdPeer() throws Exception {
    return Profiles.content(
        Profile.ETCD_PEER,
        new ProfileParameters.EtcdMember("etcd-1", "192.168.1.11", List.of()),
        ClusterDefaults.KUBEADM);
  }
}
