package dev.signet.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.Role;
import dev.signet.client.testing.Cli;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A ca-admin's day-to-day credential commands against a real signetd: {@code signet credential
 * create} writes a credential and a signet.yaml its holder uses as is, {@code list} shows it,
 * {@code revoke --name} lists before it revokes; {@code signet revoke --node} lists a node's
 * credential and kubelet certificates, and revokes them only with {@code --yes}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CredentialCommandIT {
  private TestDaemon daemon;

  @BeforeAll
  void start() throws Exception {
    daemon = TestDaemon.start("credential-cli", new DaemonConfig());
  }

  @AfterAll
  void stop() throws Exception {
    daemon.close();
  }

  @Test
  void aCsrSignerCredentialIsCreatedForSignetCsrSignerAndMayNotReadTheLedger() throws Exception {
    Path out = Files.createTempDirectory(daemon.directory(), "holder-").resolve("csr-signer-cli");
    Cli.Result created =
        Cli.as(
            daemon,
            "credential",
            "create",
            "--role",
            "csr-signer",
            "--name",
            "signet-csr-signer",
            "--out",
            out.toString());
    assertEquals(0, created.exitCode(), created.toString());
    // the csr-signer role asks for kubelet certificates only: the auditor's listing is refused
    Cli.Result listing =
        Cli.run("certificates", "list", "--config", out.resolve("signet.yaml").toString());
    assertTrue(listing.exitCode() != 0, "a csr-signer may not list certificates: " + listing);
    assertTrue(listing.toString().contains("signetd denied"), listing.toString());
  }

  @Test
  void aCredentialIsCreatedUsedListedAndRevokedByName() throws Exception {
    Path out = Files.createTempDirectory(daemon.directory(), "holder-").resolve("auditor-cli");

    Cli.Result created =
        Cli.as(
            daemon,
            "credential",
            "create",
            "--role",
            "auditor",
            "--name",
            "auditor-cli",
            "--out",
            out.toString());
    assertEquals(0, created.exitCode(), created.toString());
    for (String file : new String[] {"credential.key", "credential.crt", "ca.crt", "signet.yaml"}) {
      assertTrue(Files.exists(out.resolve(file)), file + ": " + created);
    }
    Cli.Result used =
        Cli.run("certificates", "list", "--config", out.resolve("signet.yaml").toString());
    assertEquals(0, used.exitCode(), "the holder's signet.yaml works as written: " + used);

    Cli.Result listed = Cli.as(daemon, "credential", "list");
    assertEquals(0, listed.exitCode(), listed.toString());
    assertTrue(listed.out().contains("auditor-cli"), listed.out());

    Cli.Result dryRun = Cli.as(daemon, "credential", "revoke", "--name", "auditor-cli");
    assertEquals(0, dryRun.exitCode(), dryRun.toString());
    assertTrue(dryRun.out().contains("nothing was revoked"), dryRun.out());
    assertEquals(0, revoked("caller = 'auditor-cli' OR subject LIKE '%auditor-cli%'"));
    assertEquals(
        0,
        Cli.run("certificates", "list", "--config", out.resolve("signet.yaml").toString())
            .exitCode(),
        "still live after the listing");

    Cli.Result revoke = Cli.as(daemon, "credential", "revoke", "--name", "auditor-cli", "--yes");
    assertEquals(0, revoke.exitCode(), revoke.toString());
    assertEquals(1, revoked("subject LIKE '%auditor-cli%'"));
    Cli.Result refused =
        Cli.run("certificates", "list", "--config", out.resolve("signet.yaml").toString());
    assertNotEquals(0, refused.exitCode(), refused.toString());
    assertTrue(refused.err().contains("revoked"), refused.err());
  }

  @Test
  void revokingANodeListsItsCredentialAndKubeletCertificatesFirst() throws Exception {
    daemon.credential(Role.ROLE_NODE, "system:node:worker-cli", "127.0.0.9");
    daemon
        .operator()
        .issuance()
        .issueKubeletClient(
            IssueKubeletClientRequest.newBuilder()
                .setCsrDer(Keys.csrBytes(Keys.ec()))
                .setNodeName("worker-cli")
                .build());

    Cli.Result listed = Cli.as(daemon, "revoke", "--node", "worker-cli");
    assertEquals(0, listed.exitCode(), listed.toString());
    assertTrue(listed.out().contains("2 to revoke"), listed.out());
    assertEquals(
        0,
        revoked("node_name = 'worker-cli' OR subject LIKE '%system:node:worker-cli%'"),
        "nothing revoked without --yes");

    Cli.Result revoke = Cli.as(daemon, "revoke", "--node", "worker-cli", "--yes");
    assertEquals(0, revoke.exitCode(), revoke.toString());
    assertTrue(revoke.out().contains("revoked 2 certificates"), revoke.out());
    assertEquals(2, revoked("node_name = 'worker-cli' OR subject LIKE '%system:node:worker-cli%'"));
  }

  private int revoked(String condition) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection("jdbc:sqlite:" + daemon.directory().resolve("ledger.db"));
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT COUNT(*) FROM certificates WHERE revoked_at IS NOT NULL AND ("
                    + condition
                    + ")");
        ResultSet rows = query.executeQuery()) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
