package dev.signet.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.api.v1.IssueAdminRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Pem;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API port takes only callers with a credential of Signet's own signet-api CA, refused at the
 * TLS handshake otherwise (a daemon in this JVM, real mutual TLS on loopback).
 */
class MutualTlsIT {
  @TempDir Path temp;

  @Test
  void refusesCallersWithoutACredentialOfTheSignetApiCa() throws Exception {
    try (TestDaemon daemon = TestDaemon.start("mtls", new DaemonConfig())) {
      Path caBundle = daemon.operatorDirectory().resolve("ca.crt");
      int issuedBefore = daemon.ledger().count("state = 'ISSUED'");

      try (ApiClient anonymous = ApiClient.connect(daemon.port(), caBundle, null, null)) {
        assertRefusedAtTls(anonymous);
      }

      Path foreign = foreignClientCredential(temp.resolve("foreign"));
      try (ApiClient stranger =
          ApiClient.connect(
              daemon.port(),
              caBundle,
              foreign.resolve("client.crt"),
              foreign.resolve("client.key"))) {
        assertRefusedAtTls(stranger);
      }

      // A cluster credential (admin.conf's certificate, from the kubernetes CA) is not a Signet
      // one.
      Path admin = temp.resolve("admin");
      KeyPair keys = Keys.ec();
      IssueCertificateResponse adminCertificate =
          daemon
              .operator()
              .issuance()
              .issueAdmin(IssueAdminRequest.newBuilder().setCsrDer(Keys.csrBytes(keys)).build());
      write(admin, adminCertificate.getCertificateDer().toByteArray(), keys);
      try (ApiClient clusterAdmin =
          ApiClient.connect(
              daemon.port(), caBundle, admin.resolve("client.crt"), admin.resolve("client.key"))) {
        assertRefusedAtTls(clusterAdmin);
      }
      assertEquals(
          issuedBefore + 1,
          daemon.ledger().count("state = 'ISSUED'"),
          "only the admin certificate was issued");
    }
  }

  private static void assertRefusedAtTls(ApiClient client) {
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> client.issueKubeletClient("intruder"));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getMessage());
  }

  /**
   * A clientAuth certificate for a ca-admin, signed by a key made outside Signet under the name of
   * Signet's CA: the name alone must not get it in.
   */
  private static Path foreignClientCredential(Path directory) throws Exception {
    KeyPair foreignCaKeys = Keys.ec();
    KeyPair clientKeys = Keys.ec();
    Instant now = Instant.now();
    var client =
        new JcaX509v3CertificateBuilder(
                new X500Name("CN=signet-api-ca"),
                BigInteger.TEN,
                Date.from(now.minusSeconds(60)),
                Date.from(now.plusSeconds(3600)),
                new X500Name("O=signet:ca-admin,CN=operator"),
                clientKeys.getPublic())
            .addExtension(
                Extension.extendedKeyUsage,
                false,
                new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(foreignCaKeys.getPrivate());
    byte[] der =
        new JcaX509CertificateConverter().getCertificate(client.build(signer)).getEncoded();
    write(directory, der, clientKeys);
    return directory;
  }

  private static void write(Path directory, byte[] certificateDer, KeyPair keys) throws Exception {
    AtomicFiles.write(
        directory.resolve("client.crt"),
        Pem.certificate(certificateDer).getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
    AtomicFiles.write(directory.resolve("client.key"), Pem.privateKey(keys), AtomicFiles.SECRET);
  }
}
