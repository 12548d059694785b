package dev.signet.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditEvent.Decision;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.jdbc.JdbcCertificateStore;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault tests are only as good as their checker: each invariant it guards is broken here on
 * purpose, directly in a ledger database, and must be reported under its name.
 */
class InvariantCheckerTest {
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final BigInteger SERIAL = new BigInteger("4f0123456789abcdef0123456789abcd", 16);

  @TempDir Path directory;
  private Path file;
  private KeyPair caKeys;
  private ReceivedLog received;
  private InvariantChecker checker;

  @BeforeEach
  void oneIssuedCertificateThatAClientReceived() throws Exception {
    file = directory.resolve("ledger.db");
    caKeys = KeyAlgorithm.ECDSA_P256.generateKeyPair();
    X509Certificate ca = certificate("CN=test-ca", caKeys, BigInteger.ONE, caKeys);
    X509Certificate leaf = certificate("CN=system:node:worker-1", Keys.ec(), SERIAL, caKeys);
    String serial = SERIAL.toString(16);
    try (Database database =
        Database.open(
            new SignetdConfig.Ledger("jdbc:sqlite:" + file, Optional.empty(), Optional.empty()))) {
      JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
      ledger.recordIntent(
          new CertificateStore.Intent(
              "ca-key",
              serial,
              Profile.KUBELET_CLIENT,
              TrustDomain.KUBERNETES,
              "operator",
              "req-1",
              new byte[32],
              "worker-1",
              "CN=system:node:worker-1",
              NOW,
              NOW.plusSeconds(3600),
              leaf.getTBSCertificate(),
              NOW,
              ""),
          event(Decision.SIGNING, serial));
      ledger.recordIssued(
          "ca-key", serial, leaf.getEncoded(), NOW, event(Decision.APPROVED, serial));
    }
    received = ReceivedLog.open(directory.resolve("received.log"));
    received.append(leaf.getEncoded(), "req-1");
    checker = InvariantChecker.sqlite(file, List.of(ca));
    InvariantChecker.Report untouched = checker.check(received);
    assertTrue(untouched.clean(), untouched.toString());
  }

  @AfterEach
  void closeLog() throws Exception {
    received.close();
  }

  @Test
  void aReceivedCertificateMissingFromTheLedgerIsI1AndItsForgottenSerialI2() throws Exception {
    tamper("DELETE FROM certificates");
    InvariantChecker.Report report = checker.check(received);
    assertEquals(1, report.count("I1"), report.toString());
    assertEquals(1, report.count("I2"), report.toString());
  }

  @Test
  void aSerialThatNowNamesAnotherRequestIsI2() throws Exception {
    tamper("UPDATE certificates SET request_id = 'someone-else'");
    InvariantChecker.Report report = checker.check(received);
    assertEquals(1, report.count("I2"), report.toString());
    assertEquals(1, report.count("I1"), "the client's request no longer matches: " + report);
  }

  @Test
  void twoDifferentCertificatesWithOneSerialReachingClientsIsI2() throws Exception {
    received.append(
        certificate("CN=system:node:worker-2", Keys.ec(), SERIAL, caKeys).getEncoded(), "req-2");
    assertEquals(1, checker.check(received).count("I2"));
  }

  @Test
  void anIssuedRowWithoutItsCertificateOrInAnUnknownStateIsI3() throws Exception {
    tamper("UPDATE certificates SET certificate_der = NULL");
    assertEquals(1, checker.check(received).count("I3"));
    tamper("UPDATE certificates SET state = 'SHIPPED'");
    assertEquals(1, checker.check(received).count("I3"));
  }

  @Test
  void aCertificateThatIsNotItsIntentOrNotFromTheCaIsI3() throws Exception {
    X509Certificate forged = certificate("CN=system:node:worker-1", Keys.ec(), SERIAL, Keys.ec());
    tamper(
        "UPDATE certificates SET certificate_der = X'"
            + HexFormat.of().formatHex(forged.getEncoded())
            + "'");
    InvariantChecker.Report report = checker.check(received);
    assertEquals(2, report.count("I3"), "another TBS, and no CA signed it: " + report);
  }

  @Test
  void anIssuedRowWithoutItsAuditEventOrABrokenChainIsI4() throws Exception {
    tamper("UPDATE audit_events SET decision = 'DENIED' WHERE decision = 'APPROVED'");
    InvariantChecker.Report report = checker.check(received);
    assertEquals(
        2,
        report.count("I4"),
        "no APPROVED event, and the edited event breaks the chain: " + report);
  }

  private void tamper(String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  private static AuditEvent event(Decision decision, String serial) {
    return new AuditEvent(
        NOW,
        "operator",
        "ca-admin",
        "issue",
        "kubelet-client",
        "worker-1",
        decision,
        decision.name(),
        "checker test",
        serial,
        "req-1",
        "");
  }

  private static X509Certificate certificate(
      String subject, KeyPair subjectKeys, BigInteger serial, KeyPair issuerKeys) throws Exception {
    var builder =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=test-ca"),
            serial,
            Date.from(NOW),
            Date.from(NOW.plusSeconds(3600)),
            new X500Name(subject),
            subjectKeys.getPublic());
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }
}
