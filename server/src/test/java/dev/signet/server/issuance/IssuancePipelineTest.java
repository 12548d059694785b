package dev.signet.server.issuance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.Csrs;
import dev.signet.common.KeyAlgorithm;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.IssuancePolicy;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.ledger.jdbc.JdbcCertificateStore;
import dev.signet.server.ledger.jdbc.JdbcNodes;
import dev.signet.server.profile.ClusterDefaults;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.testing.TestSeals;
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.X509;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the issuance pipeline of {@link IssuancePipeline} end to end without a token: a software
 * CA, a real SQLite ledger and a fixed clock. Certificates verify under the CA and carry the
 * documented fields and lifetimes; a retried request id returns the same certificate without
 * signing again; a failing, busy or lying CA key returns nothing and leaves the ledger row
 * ABANDONED.
 */
class IssuancePipelineTest {
  private static final Instant CA_CREATED = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration BACKDATE = Duration.ofMinutes(5);
  private static final Instant NOW = Instant.parse("2030-06-01T12:34:56.789Z");
  private static final Duration VALIDITY = Duration.ofDays(365);
  private static final Duration API_VALIDITY = Duration.ofDays(30);
  private static final Caller CALLER = Caller.internal("operator");

  private static KeyPair rsaLeaf;

  @TempDir Path directory;

  private Path ledgerFile;
  private Database database;
  private JdbcCertificateStore ledger;
  private SoftwareCa ca;
  private KeyPair leaf;

  @BeforeAll
  static void slowKeys() throws Exception {
    rsaLeaf = KeyAlgorithm.RSA_2048.generateKeyPair();
  }

  @BeforeEach
  void setUp() throws Exception {
    ledgerFile = directory.resolve("l.db");
    database =
        Database.open(
            new SignetdConfig.Ledger(
                "jdbc:sqlite:" + ledgerFile, Optional.empty(), Optional.empty()));
    ledger = new JdbcCertificateStore(database, TestSeals.keyed());
    ca =
        SoftwareCa.create("kubernetes", KeyAlgorithm.ECDSA_P256, CA_CREATED, CA_VALIDITY, BACKDATE);
    leaf = KeyAlgorithm.ECDSA_P256.generateKeyPair();
  }

  @AfterEach
  void tearDown() {
    ledger.close();
  }

  // --- a certificate is issued ----------------------------------------------------------------

  @Test
  void kubeletClientCertificateVerifiesUnderTheCaAndNamesTheNode() throws Exception {
    IssuancePipeline.Issued issued =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "req-1"));

    X509Certificate certificate = issued.certificate();
    certificate.verify(ca.keys.getPublic());
    X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    assertEquals(List.of("system:node:worker-1"), X509.attributeValues(subject, BCStyle.CN));
    assertEquals(List.of("system:nodes"), X509.attributeValues(subject, BCStyle.O));
    assertEquals(2, subject.getRDNs().length, "subject only O and CN");
    assertEquals(ca.certificate.getSubjectX500Principal(), certificate.getIssuerX500Principal());
    assertArrayEquals(leaf.getPublic().getEncoded(), certificate.getPublicKey().getEncoded());
    assertEquals(List.of(ca.certificate), issued.chain());
    assertEquals(List.of(ca.certificate), issued.caBundle());
    assertEquals(Profile.KUBELET_CLIENT, issued.profile());
    assertEquals(TrustDomain.KUBERNETES, issued.trustDomain());
    assertEquals("req-1", issued.requestId());
    assertFalse(issued.replayed());
    assertEquals(1, ca.key.signCalls());
  }

  @Test
  void leafCarriesTheFieldsTheProfilesDocumentRequires() throws Exception {
    X509Certificate certificate =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")).certificate();

    assertEquals(3, certificate.getVersion());
    assertEquals(-1, certificate.getBasicConstraints(), "CA:FALSE");
    assertTrue(certificate.getCriticalExtensionOIDs().contains(Extension.basicConstraints.getId()));
    assertTrue(certificate.getCriticalExtensionOIDs().contains(Extension.keyUsage.getId()));
    boolean[] keyUsage = certificate.getKeyUsage();
    assertTrue(keyUsage[0], "digitalSignature");
    for (int bit = 1; bit < keyUsage.length; bit++) {
      assertFalse(keyUsage[bit], "key usage bit " + bit + " on an EC leaf");
    }
    assertEquals(
        List.of("1.3.6.1.5.5.7.3.2"), certificate.getExtendedKeyUsage(), "clientAuth only");
    assertEquals(null, certificate.getSubjectAlternativeNames(), "kubelet-client has no SANs");
    byte[] aki =
        AuthorityKeyIdentifier.getInstance(
                ASN1OctetString.getInstance(
                        certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId()))
                    .getOctets())
            .getKeyIdentifierOctets();
    assertArrayEquals(X509.subjectKeyIdentifier(ca.certificate), aki, "AKI = issuer SKI");
    byte[] expectedSki =
        MessageDigest.getInstance("SHA-1")
            .digest(
                SubjectPublicKeyInfo.getInstance(leaf.getPublic().getEncoded())
                    .getPublicKeyData()
                    .getBytes());
    assertArrayEquals(expectedSki, X509.subjectKeyIdentifier(certificate));
    assertEquals("SHA256withECDSA", certificate.getSigAlgName());
    assertEquals(1, certificate.getSerialNumber().signum());
    assertTrue(certificate.getSerialNumber().bitLength() >= 64, "at least 64 bits of serial");
  }

  @Test
  void ledgerRowIsIssuedAndHoldsTheCertificate() throws Exception {
    X509Certificate certificate =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")).certificate();

    String serial = X509.serialHex(certificate.getSerialNumber());
    assertEquals("ISSUED", column(serial, "state"));
    assertEquals(CALLER.name(), column(serial, "caller"));
    assertEquals("worker-1", column(serial, "node_name"));
    assertEquals(ca.issuing.keyId(), column(serial, "issuer_key_id"));
    assertArrayEquals(certificate.getEncoded(), certificateDer(serial));
    assertEquals(1, count("1 = 1"));
  }

  @Test
  void apiserverCertificateCarriesTheProfileNames() throws Exception {
    IssuancePipeline.Request request =
        new IssuancePipeline.Request(
            Profile.APISERVER,
            new ProfileParameters.Apiserver(
                "cp-1", "192.168.1.10", "cp.example.com:6443", "", "", List.of()),
            csr(leaf),
            "api-1");

    X509Certificate certificate =
        pipeline(NOW).issue(Caller.internal("admin"), request).certificate();

    List<String> dns = new ArrayList<>();
    List<InetAddress> ips = new ArrayList<>();
    for (List<?> name : certificate.getSubjectAlternativeNames()) {
      if ((Integer) name.get(0) == 2) {
        dns.add((String) name.get(1));
      } else {
        assertEquals(7, name.get(0), "only DNS and IP SANs");
        ips.add(InetAddress.getByName((String) name.get(1)));
      }
    }
    assertEquals(
        List.of(
            "cp-1",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
            "cp.example.com"),
        dns);
    assertEquals(
        List.of(InetAddress.getByName("10.96.0.1"), InetAddress.getByName("192.168.1.10")), ips);
    assertEquals(
        List.of("1.3.6.1.5.5.7.3.1"), certificate.getExtendedKeyUsage(), "serverAuth only");
  }

  @ParameterizedTest
  @EnumSource(
      value = KeyAlgorithm.class,
      names = {"ECDSA_P256", "ECDSA_P384", "RSA_2048"})
  void signatureAlgorithmFollowsTheCaKey(KeyAlgorithm caAlgorithm) throws Exception {
    ca = SoftwareCa.create("kubernetes", caAlgorithm, CA_CREATED, CA_VALIDITY, BACKDATE);

    X509Certificate certificate =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")).certificate();

    certificate.verify(ca.keys.getPublic());
    assertEquals(caAlgorithm.signatureAlgorithm(), certificate.getSigAlgName());
  }

  @Test
  void rsaLeafGetsKeyEnciphermentAndEcLeafDoesNot() throws Exception {
    IssuancePipeline pipeline = pipeline(NOW);

    boolean[] rsaUsage =
        pipeline
            .issue(CALLER, kubeletClient("worker-1", csr(rsaLeaf), "rsa"))
            .certificate()
            .getKeyUsage();
    boolean[] ecUsage =
        pipeline
            .issue(CALLER, kubeletClient("worker-1", csr(leaf), "ec"))
            .certificate()
            .getKeyUsage();

    assertTrue(rsaUsage[0] && rsaUsage[2], "digitalSignature and keyEncipherment for RSA");
    assertTrue(ecUsage[0], "digitalSignature for EC");
    assertFalse(ecUsage[2], "no keyEncipherment for EC (RFC 5480)");
  }

  @Test
  void emptyRequestIdIsReplacedByAGeneratedOne() throws Exception {
    IssuancePipeline.Issued issued =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), ""));

    assertEquals(issued.requestId(), UUID.fromString(issued.requestId()).toString());
  }

  // --- retries under one request id -----------------------------------------------------------

  @Test
  void sameRequestIdAndCsrReturnTheSameCertificateWithoutSigningAgain() throws Exception {
    IssuancePipeline pipeline = pipeline(NOW);
    byte[] csr = csr(leaf);
    IssuancePipeline.Issued first =
        pipeline.issue(CALLER, kubeletClient("worker-1", csr, "retry-me"));

    IssuancePipeline.Issued again =
        pipeline.issue(CALLER, kubeletClient("worker-1", csr, "retry-me"));

    assertTrue(again.replayed());
    assertEquals(first.certificate().getSerialNumber(), again.certificate().getSerialNumber());
    assertArrayEquals(first.certificate().getEncoded(), again.certificate().getEncoded());
    assertArrayEquals(first.certificateDer(), again.certificateDer());
    assertEquals(first.notAfter(), again.notAfter());
    assertEquals(1, ca.key.signCalls(), "no second signature");
    assertEquals(1, count("1 = 1"));
    // the retry met the first row when it tried to record its own intent: that attempt left
    // nothing behind, and the trail says the earlier certificate answered it
    String serial = X509.serialHex(first.serial());
    assertEquals(1, auditCount("reason = 'INTENT'"));
    assertEquals(1, auditCount("reason = 'REPLAYED' AND serial = '" + serial + "'"));
  }

  @Test
  void sameRequestIdWithAnotherCsrIsAConflict() throws Exception {
    IssuancePipeline pipeline = pipeline(NOW);
    pipeline.issue(CALLER, kubeletClient("worker-1", csr(leaf), "once"));
    byte[] otherCsr = csr(KeyAlgorithm.ECDSA_P256.generateKeyPair());

    IssuanceException.Conflict e =
        assertThrows(
            IssuanceException.Conflict.class,
            () -> pipeline.issue(CALLER, kubeletClient("worker-1", otherCsr, "once")));

    assertEquals("REQUEST_ID_REUSED", e.reason());
    assertEquals(1, ca.key.signCalls());
    assertEquals(1, count("1 = 1"));
  }

  @Test
  void sameRequestIdWithOtherParametersIsAConflict() throws Exception {
    IssuancePipeline pipeline = pipeline(NOW);
    byte[] csr = csr(leaf);
    pipeline.issue(CALLER, kubeletClient("worker-1", csr, "once"));

    assertThrows(
        IssuanceException.Conflict.class,
        () -> pipeline.issue(CALLER, kubeletClient("worker-2", csr, "once")));
  }

  @Test
  void sameRequestIdFromAnotherCallerIsAnotherRequest() throws Exception {
    IssuancePipeline pipeline = pipeline(NOW);
    byte[] csr = csr(leaf);
    IssuancePipeline.Issued mine =
        pipeline.issue(CALLER, kubeletClient("worker-1", csr, "shared-id"));

    IssuancePipeline.Issued theirs =
        pipeline.issue(
            Caller.internal("another-operator"), kubeletClient("worker-1", csr, "shared-id"));

    assertFalse(theirs.replayed());
    assertNotEquals(mine.certificate().getSerialNumber(), theirs.certificate().getSerialNumber());
    assertEquals(2, count("state = 'ISSUED'"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"has space", "a/b", "quote'", "ünïcode", "semi;colon", "new\nline"})
  void requestIdWithCharactersOutsideTheAllowedSetIsRefused(String requestId) throws Exception {
    assertInvalidRequestId(requestId);
  }

  @Test
  void requestIdOf129CharactersIsRefusedAnd128Accepted() throws Exception {
    assertInvalidRequestId("a".repeat(129));

    assertEquals(
        "b".repeat(128),
        pipeline(NOW)
            .issue(CALLER, kubeletClient("worker-1", csr(leaf), "b".repeat(128)))
            .requestId());
  }

  // --- failures return nothing ----------------------------------------------------------------

  @Test
  void tokenFailureIsUnavailableAndAbandonsTheIntent() throws Exception {
    ca.key.behave(SoftwareCa.Behaviour.TOKEN_FAILURE);

    IssuanceException.Unavailable e =
        assertThrows(
            IssuanceException.Unavailable.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")));

    assertEquals("TOKEN_UNAVAILABLE", e.reason());
    assertEquals(1, count("state = 'ABANDONED'"));
    assertEquals(0, count("state <> 'ABANDONED'"));
  }

  @Test
  void retryAfterATokenFailureIssuesUnderTheSameRequestId() throws Exception {
    IssuancePipeline pipeline = pipeline(NOW);
    byte[] csr = csr(leaf);
    ca.key.behave(SoftwareCa.Behaviour.TOKEN_FAILURE);
    assertThrows(
        IssuanceException.Unavailable.class,
        () -> pipeline.issue(CALLER, kubeletClient("worker-1", csr, "r")));
    ca.key.behave(SoftwareCa.Behaviour.SIGN);

    IssuancePipeline.Issued issued = pipeline.issue(CALLER, kubeletClient("worker-1", csr, "r"));

    assertFalse(issued.replayed());
    assertEquals(1, count("state = 'ISSUED'"));
    assertEquals(1, count("state = 'ABANDONED'"));
  }

  @Test
  void busySignerIsBusyAndAbandonsTheIntent() throws Exception {
    ca.key.behave(SoftwareCa.Behaviour.BUSY);

    IssuanceException.Busy e =
        assertThrows(
            IssuanceException.Busy.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")));

    assertEquals("SIGNER_BUSY", e.reason());
    assertEquals(1, count("state = 'ABANDONED'"));
    assertEquals(0, count("state = 'ISSUED'"));
  }

  @Test
  void corruptedSignatureIsInternalReturnsNothingAndAbandonsTheIntent() throws Exception {
    ca.key.behave(SoftwareCa.Behaviour.CORRUPT_SIGNATURE);

    IssuanceException.Internal e =
        assertThrows(
            IssuanceException.Internal.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")));

    assertEquals("SIGNATURE_INVALID", e.reason());
    assertFalse(e.incident().isBlank());
    assertEquals(1, ca.key.signCalls());
    assertEquals(1, count("state = 'ABANDONED'"));
    assertEquals(0, count("state = 'ISSUED'"));
    assertEquals(0, count("certificate_der IS NOT NULL"));
  }

  @Test
  void anAuditEventThatCannotBeWrittenMeansTheSignedCertificateIsNotReturned() throws Exception {
    // The database itself refuses the approval's audit event, as a full disk would.
    sql(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events WHEN NEW.reason = 'ISSUED'"
            + " BEGIN SELECT RAISE(ABORT, 'audit storage refused the write'); END");

    IssuanceException.Unavailable e =
        assertThrows(
            IssuanceException.Unavailable.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")));

    assertEquals("LEDGER_UNAVAILABLE", e.reason());
    assertEquals(1, ca.key.signCalls(), "signed, then held back");
    assertEquals(
        0,
        count("state = 'ISSUED' OR certificate_der IS NOT NULL"),
        "the certificate and its event commit together");
    assertEquals(1, count("state = 'INTENT'"), "start-up reconciliation settles the intent");
    assertEquals(
        1,
        auditCount("decision = 'FAILED' AND reason = 'LEDGER_UNAVAILABLE'"),
        "the refusal is audited");
  }

  @Test
  void aCertificateThatCannotBeStoredAfterSigningIsNotReturned() throws Exception {
    // Boulder's test: the final write fails after the token has signed.
    sql(
        "CREATE TRIGGER refuse_issued BEFORE UPDATE ON certificates WHEN NEW.state = 'ISSUED'"
            + " BEGIN SELECT RAISE(ABORT, 'storage refused the certificate'); END");

    IssuanceException.Unavailable e =
        assertThrows(
            IssuanceException.Unavailable.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")));

    assertEquals("LEDGER_UNAVAILABLE", e.reason());
    assertEquals(1, ca.key.signCalls());
    assertEquals(0, count("certificate_der IS NOT NULL"));
    assertEquals(1, count("state = 'INTENT'"));
    assertEquals(
        0,
        auditCount("reason = 'ISSUED'"),
        "no approval recorded for a certificate nobody received");
  }

  @Test
  void csrCarryingTheCaKeyIsRefusedBeforeSigning() throws Exception {
    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(ca.keys), "r")));

    assertEquals("KEY_IS_CA_KEY", e.reason());
    assertEquals(0, ca.key.signCalls());
    assertEquals(0, count("1 = 1"));
  }

  @Test
  void csrCarryingAnotherDomainsCaKeyIsRefusedToo() throws Exception {
    SoftwareCa etcd =
        SoftwareCa.create("etcd-ca", KeyAlgorithm.ECDSA_P256, CA_CREATED, CA_VALIDITY, BACKDATE);
    Map<TrustDomain, CertificateAuthority> cas = new EnumMap<>(TrustDomain.class);
    for (TrustDomain domain : TrustDomain.values()) {
      cas.put(domain, domain == TrustDomain.ETCD ? etcd.issuing : ca.issuing);
    }
    IssuancePipeline pipeline = pipeline(new CaRegistry(cas), NOW);

    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> pipeline.issue(CALLER, kubeletClient("worker-1", csr(etcd.keys), "r")));

    assertEquals("KEY_IS_CA_KEY", e.reason());
  }

  @Test
  void invalidParametersAreAnInvalidRequest() throws Exception {
    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("Worker-1", csr(leaf), "r")));

    assertEquals("INVALID_PARAMETERS", e.reason());
    assertTrue(e.getMessage().contains("node_name"), e.getMessage());
    assertEquals(0, ca.key.signCalls());
  }

  @Test
  void nodeNameTooLongForTheCommonNameIsTheCallersErrorNotAnInternalOne() throws Exception {
    // A 60-character node name is a valid DNS-1123 subdomain, so Profiles accepts it, but
    // "system:node:" + 60 characters exceeds the 64-character CN bound of RFC 5280
    // (ub-common-name).
    // BUG (fails today): CertificateAssembler.subject hands the CN to BouncyCastle's BCStyle, which
    // throws IllegalArgumentException ("commonName length 72 exceeds RFC 5280 ub-common-name");
    // it escapes IssuancePipeline.issue unchecked and IssuanceService answers INTERNAL, instead of
    // an
    // InvalidRequest telling the caller the node name is too long. Profiles (kubelet CN =
    // system:node:<name>, etcd CN = <name>) should bound the names that end up in the CN.
    String nodeName = "n" + "0123456789".repeat(5) + "-abcdefgh";
    assertEquals(60, nodeName.length());

    IssuanceException e =
        assertThrows(
            IssuanceException.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient(nodeName, csr(leaf), "r")));

    assertEquals(
        IssuanceException.InvalidRequest.class, e.getClass(), e.reason() + ": " + e.getMessage());
    assertEquals(0, ca.key.signCalls());
  }

  @Test
  void invalidCsrIsRefusedBeforeAnythingIsRecorded() throws Exception {
    byte[] csr = csr(leaf);
    csr[csr.length - 1] ^= 1;

    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr, "r")));

    assertEquals("CSR_SIGNATURE_INVALID", e.reason());
    assertEquals(0, ca.key.signCalls());
    assertEquals(0, count("1 = 1"));
  }

  // --- validity -------------------------------------------------------------------------------

  @Test
  void notBeforeIsNowMinusTheBackdateAndNotAfterOneValidityAfterNow() throws Exception {
    X509Certificate certificate =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")).certificate();

    // NOW is 12:34:56.789; minus 5 minutes, to the whole second below
    Instant notBefore = Instant.parse("2030-06-01T12:29:56Z");
    assertEquals(notBefore, certificate.getNotBefore().toInstant());
    // issue 10: the backdate does not shorten the lifetime (NotAfter = NotBefore + validity made
    // a 2-minute validity with a 5-minute backdate expire before it was issued)
    assertEquals(
        Instant.parse("2030-06-01T12:34:56Z").plus(VALIDITY),
        certificate.getNotAfter().toInstant());
  }

  @Test
  void aShorterLifetimeAskedForIsGrantedALongerOneIsNotAndItIsPartOfTheRequest() throws Exception {
    // NotAfter counts from the issuance time (12:34:56), not from the backdated NotBefore
    Instant issued = Instant.parse("2030-06-01T12:34:56Z");
    byte[] request = csr(leaf);
    X509Certificate hour =
        pipeline(NOW)
            .issue(CALLER, kubeletClient("worker-1", request, "short", Duration.ofHours(1)))
            .certificate();
    assertEquals(issued.plus(Duration.ofHours(1)), hour.getNotAfter().toInstant());
    X509Certificate capped =
        pipeline(NOW)
            .issue(
                CALLER,
                kubeletClient("worker-1", csr(leaf), "long", VALIDITY.plus(Duration.ofDays(1))))
            .certificate();
    assertEquals(issued.plus(VALIDITY), capped.getNotAfter().toInstant(), "at most validity");
    // the same request id and CSR with another lifetime is another request
    assertThrows(
        IssuanceException.Conflict.class,
        () ->
            pipeline(NOW)
                .issue(CALLER, kubeletClient("worker-1", request, "short", Duration.ofHours(2))));
    assertTrue(
        pipeline(NOW)
            .issue(CALLER, kubeletClient("worker-1", request, "short", Duration.ofHours(1)))
            .replayed(),
        "the same lifetime again: the same request");
  }

  @Test
  void signetApiCredentialsGetTheApiValidity() throws Exception {
    IssuancePipeline.Request request =
        new IssuancePipeline.Request(
            Profile.SIGNET_API_CLIENT,
            new ProfileParameters.SignetClient("alice", "signet:operators"),
            csr(leaf),
            "r");

    X509Certificate certificate =
        pipeline(NOW).issue(Caller.internal("admin"), request).certificate();

    assertEquals(
        Instant.parse("2030-06-01T12:34:56Z").plus(API_VALIDITY),
        certificate.getNotAfter().toInstant());
  }

  @Test
  void notAfterIsClampedToTheCaNotAfter() throws Exception {
    // a CA made at NOW - 265 days for one year: it ends 100 days from NOW, sooner than a leaf would
    ca =
        SoftwareCa.create(
            "kubernetes",
            KeyAlgorithm.ECDSA_P256,
            NOW.minus(Duration.ofDays(265)),
            Duration.ofDays(365),
            Duration.ZERO);

    X509Certificate certificate =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")).certificate();

    assertEquals(ca.certificate.getNotAfter(), certificate.getNotAfter());
    assertTrue(certificate.getNotAfter().toInstant().isBefore(NOW.plus(Duration.ofDays(101))));
    assertEquals(Instant.parse("2030-06-01T12:29:56Z"), certificate.getNotBefore().toInstant());
  }

  @Test
  void notBeforeIsNeverBeforeTheCaNotBefore() throws Exception {
    // a CA made one minute ago without backdate: the leaf cannot start five minutes ago
    ca =
        SoftwareCa.create(
            "kubernetes",
            KeyAlgorithm.ECDSA_P256,
            NOW.minus(Duration.ofMinutes(1)),
            CA_VALIDITY,
            Duration.ZERO);

    X509Certificate certificate =
        pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")).certificate();

    assertEquals(ca.certificate.getNotBefore(), certificate.getNotBefore());
  }

  @Test
  void caNotYetValidIsRefused() throws Exception {
    Instant caNotBefore = ca.certificate.getNotBefore().toInstant();

    IssuanceException.CaNotValid e =
        assertThrows(
            IssuanceException.CaNotValid.class,
            () ->
                pipeline(caNotBefore.minusSeconds(1))
                    .issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")));

    assertEquals("CA_NOT_VALID", e.reason());
    assertEquals(0, ca.key.signCalls());
    assertEquals(0, count("1 = 1"));
  }

  @Test
  void expiredCaIsRefused() throws Exception {
    Instant caNotAfter = ca.certificate.getNotAfter().toInstant();

    assertThrows(
        IssuanceException.CaNotValid.class,
        () -> pipeline(caNotAfter).issue(CALLER, kubeletClient("worker-1", csr(leaf), "r")));
    assertThrows(
        IssuanceException.CaNotValid.class,
        () ->
            pipeline(caNotAfter.plus(Duration.ofDays(1)))
                .issue(CALLER, kubeletClient("worker-1", csr(leaf), "r2")));
    assertEquals(0, ca.key.signCalls());
    assertEquals(0, count("1 = 1"));
  }

  @Test
  void caValidSinceThisVerySecondIssues() throws Exception {
    Instant caNotBefore = ca.certificate.getNotBefore().toInstant();

    X509Certificate certificate =
        pipeline(caNotBefore)
            .issue(CALLER, kubeletClient("worker-1", csr(leaf), "r"))
            .certificate();

    assertEquals(ca.certificate.getNotBefore(), certificate.getNotBefore());
  }

  // --- helpers --------------------------------------------------------------------------------

  private void assertInvalidRequestId(String requestId) throws Exception {
    IssuanceException.InvalidRequest e =
        assertThrows(
            IssuanceException.InvalidRequest.class,
            () -> pipeline(NOW).issue(CALLER, kubeletClient("worker-1", csr(leaf), requestId)));
    assertEquals("INVALID_REQUEST_ID", e.reason());
    assertEquals(0, ca.key.signCalls());
    assertEquals(0, count("1 = 1"));
  }

  private IssuancePipeline pipeline(Instant now) {
    Map<TrustDomain, CertificateAuthority> cas = new EnumMap<>(TrustDomain.class);
    for (TrustDomain domain : TrustDomain.values()) {
      cas.put(domain, ca.issuing);
    }
    return pipeline(new CaRegistry(cas), now);
  }

  private IssuancePipeline pipeline(CaRegistry cas, Instant now) {
    return new IssuancePipeline(
        cas,
        ledger,
        new JdbcAuditLog(database),
        new IssuancePolicy(Map.of(), new JdbcNodes(database, TestSeals.keyed())),
        settings(),
        clock(now),
        new SerialNumbers(new SecureRandom()));
  }

  private static IssuancePipeline.Settings settings() {
    return new IssuancePipeline.Settings(ClusterDefaults.KUBEADM, VALIDITY, API_VALIDITY, BACKDATE);
  }

  private static Clock clock(Instant now) {
    return Clock.fixed(now, ZoneOffset.UTC);
  }

  private static IssuancePipeline.Request kubeletClient(String node, byte[] csr, String requestId) {
    return new IssuancePipeline.Request(
        Profile.KUBELET_CLIENT, new ProfileParameters.KubeletClient(node), csr, requestId);
  }

  private static IssuancePipeline.Request kubeletClient(
      String node, byte[] csr, String requestId, Duration maxLifetime) {
    return new IssuancePipeline.Request(
        Profile.KUBELET_CLIENT,
        new ProfileParameters.KubeletClient(node),
        csr,
        requestId,
        "",
        maxLifetime);
  }

  private static byte[] csr(KeyPair keys) {
    return Csrs.create(keys, "anything: the daemon ignores the CSR subject");
  }

  private int count(String condition) throws Exception {
    return rows("certificates", condition);
  }

  private int auditCount(String condition) throws Exception {
    return rows("audit_events", condition);
  }

  private int rows(String table, String condition) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + ledgerFile);
        PreparedStatement query =
            connection.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE " + condition);
        ResultSet rows = query.executeQuery()) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private void sql(String statement) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + ledgerFile)) {
      connection.createStatement().execute(statement);
    }
  }

  private String column(String serial, String column) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + ledgerFile);
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT " + column + " FROM certificates WHERE serial = ?")) {
      query.setString(1, serial);
      try (ResultSet rows = query.executeQuery()) {
        assertTrue(rows.next(), "a row for serial " + serial);
        return rows.getString(1);
      }
    }
  }

  private byte[] certificateDer(String serial) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + ledgerFile);
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT certificate_der FROM certificates WHERE serial = ?")) {
      query.setString(1, serial);
      try (ResultSet rows = query.executeQuery()) {
        assertTrue(rows.next());
        return rows.getBytes(1);
      }
    }
  }
}
