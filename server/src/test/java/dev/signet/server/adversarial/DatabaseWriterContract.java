package dev.signet.server.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.JoinRequest;
import dev.signet.api.v1.JoinResponse;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.Role;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 10's database writer: someone who can write the ledger database but not use the token
 * inserts a bootstrap token with a secret they know, adds an address to a node's registration, and
 * inserts, alters or un-revokes a Signet API credential record, then uses each. Every such row
 * fails its seal ({@code ledger.RowSeals}): the use is refused with the status a missing row gets,
 * nothing is signed (as many certificate rows as before), the broken seal is audited
 * (ROW_SEAL_BROKEN) and {@code signetd audit verify} names the row and exits 6. The honest rows
 * beside them keep working, and once the writer's rows are gone the ledger verifies again. One
 * subclass per engine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DatabaseWriterContract {
  private static final String GRANTS =
      """
      authorization:
        provisioners:
          edge:
            profiles: [kubelet-client, kubelet-serving]
            nodeNames: ["worker-*"]
            addresses: ["127.0.5.0/24"]""";

  /** The ledger database a test daemon uses, and a direct connection to it. */
  interface Engine extends AutoCloseable {
    DaemonConfig ledger(DaemonConfig config) throws Exception;

    Connection connect(TestDaemon daemon) throws SQLException;
  }

  abstract Engine engine() throws Exception;

  private Engine engine;
  private TestDaemon daemon;
  private final List<String> results = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    engine = engine();
    daemon =
        TestDaemon.start(
            "writer",
            engine.ledger(
                // refused joins are audited per source and reason per interval (RefusalAudit): a
                // short interval puts each on the record within a second
                new DaemonConfig().extra(GRANTS).enrollment("refusalAuditInterval: 1s")));
  }

  @AfterAll
  void stop() throws Exception {
    System.out.println(
        "\n| actor | attempt | expected | observed | ledger unchanged | audit event |\n"
            + "|---|---|---|---|---|---|\n"
            + String.join("\n", results)
            + "\n");
    daemon.close();
    engine.close();
  }

  @Test
  void aBootstrapTokenInsertedWithAKnownSecretAdmitsNobody() throws Exception {
    String secret = "abcdefghijklmnopqrstuvwxyz234567";
    long now = System.currentTimeMillis();
    write(
        "INSERT INTO bootstrap_tokens (id, secret_hash, node_name, addresses, created_by,"
            + " created_at, expires_at) VALUES (?, ?, 'worker-9', '127.0.5.99', 'edge', ?, ?)",
        "forgeda2",
        sha256(secret),
        now,
        now + 3_600_000);
    // the seal of an honest token, copied onto another forged row, does not fit it either
    String honest;
    try (ApiClient edge = daemon.connectAs(Role.ROLE_PROVISIONER, "edge")) {
      honest = token(edge, "worker-8", "127.0.5.98");
    }
    String honestId = honest.substring(0, 8);
    write(
        "INSERT INTO bootstrap_tokens (id, secret_hash, node_name, addresses, created_by,"
            + " created_at, expires_at, seal) SELECT 'forgedb3', ?, node_name, addresses,"
            + " created_by, created_at, expires_at, seal FROM bootstrap_tokens WHERE id = ?",
        sha256(secret),
        honestId);

    try (ApiClient enrollment = daemon.enrollmentClient()) {
      for (String id : List.of("forgeda2", "forgedb3")) {
        String node = id.equals("forgeda2") ? "worker-9" : "worker-8";
        String address = id.equals("forgeda2") ? "127.0.5.99" : "127.0.5.98";
        refused(
            "database writer",
            "join with a bootstrap token row it inserted ("
                + (id.equals("forgeda2") ? "no seal" : "an honest row's seal")
                + ")",
            Status.Code.UNAUTHENTICATED,
            "TOKEN_UNKNOWN",
            () -> enrollment.bootstrap().join(join(id + "." + secret, node, address)));
      }
      assertVerifyNames("bootstrap_tokens forgeda2", "bootstrap_tokens forgedb3");

      // the honest token beside them admits its node, and stays sealed once spent
      JoinResponse joined = enrollment.bootstrap().join(join(honest, "worker-8", "127.0.5.98"));
      assertTrue(joined.hasCredential());
      results.add(
          "| provisioner's node | join with its honest token | OK | OK | +1 credential | - |");
    }
    write("DELETE FROM bootstrap_tokens WHERE id IN ('forgeda2', 'forgedb3')");
    assertVerifyIntact();
  }

  @Test
  void anAddressAddedToANodesRegistrationGetsNoCertificate() throws Exception {
    try (ApiClient node = daemon.connectAs(Role.ROLE_NODE, "system:node:worker-3", "127.0.5.33")) {
      serving(node, "worker-3", "127.0.5.33"); // honest: its registered address
      String registered = text("SELECT addresses FROM nodes WHERE name = 'worker-3'");

      write("UPDATE nodes SET addresses = ? WHERE name = 'worker-3'", registered + ",10.9.9.9");

      refused(
          "database writer (for node worker-3)",
          "kubelet-serving for an address it added to the node's registration",
          Status.Code.PERMISSION_DENIED,
          "ADDRESS_NOT_REGISTERED",
          () -> serving(node, "worker-3", "10.9.9.9"));
      assertVerifyNames("nodes worker-3");

      write("UPDATE nodes SET addresses = ? WHERE name = 'worker-3'", registered);
      serving(node, "worker-3", "127.0.5.33");
      results.add(
          "| node worker-3 | kubelet-serving for its registered address, row restored | OK | OK"
              + " | +1 certificate | ISSUED |");
    }
    // a registration deleted and inserted again with one more address
    Path credential = daemon.credential(Role.ROLE_NODE, "system:node:worker-4", "127.0.5.44");
    write("DELETE FROM nodes WHERE name = 'worker-4'");
    write(
        "INSERT INTO nodes (name, addresses, registered_by, registered_at)"
            + " VALUES ('worker-4', '127.0.5.44,10.9.9.10', 'operator', ?)",
        System.currentTimeMillis());
    try (ApiClient node = client(credential)) {
      refused(
          "database writer (for node worker-4)",
          "kubelet-serving for an address in a registration row it inserted",
          Status.Code.PERMISSION_DENIED,
          "ADDRESS_NOT_REGISTERED",
          () -> serving(node, "worker-4", "10.9.9.10"));
    }
    assertVerifyNames("nodes worker-4");
    write("DELETE FROM nodes WHERE name = 'worker-4'");
    assertVerifyIntact();
  }

  @Test
  void aCredentialRecordAlteredOrInsertedAdmitsNobody() throws Exception {
    // altered before the credential's first call: its record claims a longer life
    Path altered = daemon.credential(Role.ROLE_AUDITOR, "auditor-altered");
    String alteredSerial = serialOf(altered);
    write(
        "UPDATE certificates SET not_after = not_after + 31536000000 WHERE serial = ?",
        alteredSerial);
    try (ApiClient auditor = client(altered)) {
      refused(
          "database writer (auditor credential)",
          "call with a credential whose record it altered",
          Status.Code.UNAUTHENTICATED,
          "CREDENTIAL_UNRECORDED",
          () -> list(auditor));
    }
    assertVerifyNames("certificates " + alteredSerial);
    write(
        "UPDATE certificates SET not_after = not_after - 31536000000 WHERE serial = ?",
        alteredSerial);

    // deleted, then inserted again with another record's seal
    Path inserted = daemon.credential(Role.ROLE_AUDITOR, "auditor-inserted");
    String insertedSerial = serialOf(inserted);
    write(
        "CREATE TABLE saved_record AS SELECT * FROM certificates WHERE serial = ?", insertedSerial);
    write("DELETE FROM certificates WHERE serial = ?", insertedSerial);
    write(
        "UPDATE saved_record SET seal = (SELECT seal FROM certificates WHERE serial = ?)",
        alteredSerial);
    write("INSERT INTO certificates SELECT * FROM saved_record");
    write("DROP TABLE saved_record");
    try (ApiClient auditor = client(inserted)) {
      refused(
          "database writer (auditor credential)",
          "call with a credential whose record it inserted with another record's seal",
          Status.Code.UNAUTHENTICATED,
          "CREDENTIAL_UNRECORDED",
          () -> list(auditor));
    }
    assertVerifyNames("certificates " + insertedSerial);

    // honest: the restored record admits its credential
    try (ApiClient auditor = client(altered)) {
      list(auditor);
      results.add(
          "| auditor | list certificates with its credential, record restored | OK | OK | - | - |");
    }
    write("DELETE FROM certificates WHERE serial = ?", insertedSerial);
  }

  @Test
  void aRevocationUndoneInTheDatabaseStaysRevoked() throws Exception {
    Path revoked = daemon.credential(Role.ROLE_AUDITOR, "auditor-revoked");
    String serial = serialOf(revoked);
    daemon
        .operator()
        .ledger()
        .revoke(
            RevokeRequest.newBuilder()
                .setSerial(serial)
                .setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE)
                .build());
    write(
        "UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = ?",
        serial);
    // a restart forgets the revocations it held in memory: only the ledger speaks for them now
    daemon.stop();
    daemon.restart();

    try (ApiClient auditor = client(revoked)) {
      refused(
          "database writer (revoked auditor credential)",
          "call after clearing the credential's revocation in the ledger",
          Status.Code.UNAUTHENTICATED,
          "CREDENTIAL_UNRECORDED",
          () -> list(auditor));
    }
    assertVerifyNames("certificates " + serial);
    write("DELETE FROM certificates WHERE serial = ?", serial);
    assertVerifyIntact();
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * Makes {@code call}, which must fail with {@code expected}, sign nothing (as many certificate
   * rows as before, intents included) and leave one more audit event with {@code reason} and one
   * more ROW_SEAL_BROKEN.
   */
  private void refused(
      String actor, String attempt, Status.Code expected, String reason, Runnable call)
      throws Exception {
    int rows = count("certificates", "1 = 1");
    int events = count("audit_events", "reason = '" + reason + "'");
    int broken = count("audit_events", "reason = 'ROW_SEAL_BROKEN'");

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run, attempt);

    int rowsAfter = count("certificates", "1 = 1");
    // an unauthenticated caller's refusal is written by a background thread: wait for it
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int eventsAfter = count("audit_events", "reason = '" + reason + "'");
    while (eventsAfter == events && System.nanoTime() < deadline) {
      Thread.sleep(50);
      eventsAfter = count("audit_events", "reason = '" + reason + "'");
    }
    int brokenAfter = count("audit_events", "reason = 'ROW_SEAL_BROKEN'");
    results.add(
        "| "
            + actor
            + " | "
            + attempt
            + " | "
            + expected
            + " | "
            + e.getStatus().getCode()
            + " | "
            + (rows == rowsAfter ? "yes" : "NO")
            + " | "
            + (brokenAfter > broken ? "ROW_SEAL_BROKEN" : "MISSING ROW_SEAL_BROKEN")
            + ", "
            + (eventsAfter == events + 1 ? reason : "MISSING " + reason)
            + " |");
    assertEquals(expected, e.getStatus().getCode(), attempt + ": " + e.getMessage());
    assertEquals(rows, rowsAfter, attempt + ": nothing signed");
    assertEquals(events + 1, eventsAfter, attempt + ": the refusal is audited as " + reason);
    assertTrue(brokenAfter > broken, attempt + ": the broken seal is audited");
  }

  private void assertVerifyNames(String... rows) {
    DaemonProcess.Result verify =
        daemon.signetd("audit", "verify", "-c", daemon.config().toString());
    assertEquals(6, verify.exitCode(), verify.toString());
    for (String row : rows) {
      assertTrue(verify.stdout().contains("row " + row + " BROKEN"), row + ": " + verify);
    }
  }

  private void assertVerifyIntact() {
    DaemonProcess.Result verify =
        daemon.signetd("audit", "verify", "-c", daemon.config().toString());
    assertEquals(0, verify.exitCode(), verify.toString());
    assertTrue(verify.stdout().contains("rows that grant power intact"), verify.toString());
  }

  private void write(String sql, Object... parameters) throws SQLException {
    try (Connection connection = engine.connect(daemon);
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.executeUpdate();
    }
  }

  private String text(String sql) throws SQLException {
    try (Connection connection = engine.connect(daemon);
        PreparedStatement query = connection.prepareStatement(sql);
        ResultSet rows = query.executeQuery()) {
      rows.next();
      return rows.getString(1);
    }
  }

  private int count(String table, String condition) throws SQLException {
    return Integer.parseInt(text("SELECT COUNT(*) FROM " + table + " WHERE " + condition));
  }

  private static String token(ApiClient provisioner, String node, String address) {
    return provisioner
        .credentials()
        .createBootstrapToken(
            CreateBootstrapTokenRequest.newBuilder()
                .setNodeName(node)
                .addAddresses(address)
                .build())
        .getToken();
  }

  private static JoinRequest join(String token, String node, String address) {
    KeyPair keys = Keys.ec();
    return JoinRequest.newBuilder()
        .setToken(token)
        .setNodeName(node)
        .addAddresses(address)
        .setCredentialCsrDer(Keys.csrBytes(keys))
        .build();
  }

  private static void serving(ApiClient node, String name, String address) {
    node.issuance()
        .issueKubeletServing(
            IssueKubeletServingRequest.newBuilder()
                .setCsrDer(Keys.csrBytes(Keys.ec()))
                .setNodeName(name)
                .addAddresses(address)
                .build());
  }

  private static void list(ApiClient auditor) {
    auditor.ledger().listCertificates(ListCertificatesRequest.newBuilder().setPageSize(1).build());
  }

  private ApiClient client(Path credential) throws Exception {
    return ApiClient.connect(
        daemon.port(),
        daemon.operatorDirectory().resolve("ca.crt"),
        credential.resolve("client.crt"),
        credential.resolve("client.key"));
  }

  private static String serialOf(Path credential) throws Exception {
    return ApiClient.readCertificates(credential.resolve("client.crt"))[0]
        .getSerialNumber()
        .toString(16)
        .toLowerCase(Locale.ROOT);
  }

  private static String sha256(String secret) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.US_ASCII)));
  }
}
