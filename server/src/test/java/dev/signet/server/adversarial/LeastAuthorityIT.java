package dev.signet.server.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.IssueAdminRequest;
import dev.signet.api.v1.IssueApiserverEtcdClientRequest;
import dev.signet.api.v1.IssueApiserverKubeletClientRequest;
import dev.signet.api.v1.IssueApiserverRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueControllerManagerRequest;
import dev.signet.api.v1.IssueEtcdHealthcheckClientRequest;
import dev.signet.api.v1.IssueEtcdPeerRequest;
import dev.signet.api.v1.IssueFrontProxyClientRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.IssueSchedulerRequest;
import dev.signet.api.v1.IssueSuperAdminRequest;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.RenewApiCredentialRequest;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.RevokeIdentityRequest;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.Role;
import dev.signet.api.v1.VerifyAuditRequest;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Pem;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.HostileCsrs;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x509.Extension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 10, tried the way an attacker would, over real mutual TLS against a real signetd: each role
 * (a confined provisioner, a provisioner with no entry, a node, an auditor, a stolen and renewed
 * credential) asks for more than it was granted, every way the issue lists. Each attempt asserts
 * the exact status, that nothing was signed (the certificates table, intents included, has as many
 * rows as before) and that one audit event names the refusal; each role's positive cases show that
 * what it is granted still works. The cases and their outcomes are printed as a table at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeastAuthorityIT {
  /** The issue's provisioner, now with explicit profiles. */
  private static final String GRANTS =
      """
      authorization:
        provisioners:
          edge:
            profiles: [kubelet-client, kubelet-serving, kube-proxy, apiserver]
            nodeNames: ["worker-*", "cp-*.corp.example"]
            addresses: ["127.0.5.0/24"]
            dnsSuffixes: ["corp.example"]""";

  private TestDaemon daemon;
  private ApiClient edge;
  private ApiClient stray;
  private ApiClient node;
  private ApiClient auditor;
  private final List<String> results = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    daemon = TestDaemon.start("adversarial", new DaemonConfig().extra(GRANTS));
    edge = daemon.connectAs(Role.ROLE_PROVISIONER, "edge");
    stray = daemon.connectAs(Role.ROLE_PROVISIONER, "stray");
    node =
        daemon.connectAs(
            Role.ROLE_NODE, "system:node:worker-1", "127.0.5.21", "worker-1.corp.example");
    auditor = daemon.connectAs(Role.ROLE_AUDITOR, "auditor");
  }

  @AfterAll
  void stop() throws Exception {
    System.out.println(
        "\n| actor | attempt | expected | observed | ledger unchanged | audit event |\n"
            + "|---|---|---|---|---|---|\n"
            + String.join("\n", results)
            + "\n");
    for (ApiClient client : List.of(edge, stray, node, auditor)) {
      client.close();
    }
    daemon.close();
  }

  // --- a provisioner confined to worker-*, 127.0.5.0/24, corp.example and four profiles ---------

  @Test
  void aConfinedProvisionerGetsNoProfileItWasNotGranted() throws Exception {
    refused(
        "provisioner edge",
        "admin (kubeadm:cluster-admins)",
        "PROFILE_NOT_GRANTED",
        () -> edge.issuance().issueAdmin(IssueAdminRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "super-admin (system:masters)",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueSuperAdmin(IssueSuperAdminRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "apiserver-kubelet-client",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueApiserverKubeletClient(
                    IssueApiserverKubeletClientRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "controller-manager",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueControllerManager(
                    IssueControllerManagerRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "scheduler",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueScheduler(IssueSchedulerRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "front-proxy-client (asserts any group)",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueFrontProxyClient(
                    IssueFrontProxyClientRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "apiserver-etcd-client (raw etcd)",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueApiserverEtcdClient(
                    IssueApiserverEtcdClientRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "etcd-healthcheck-client (raw etcd)",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueEtcdHealthcheckClient(
                    IssueEtcdHealthcheckClientRequest.newBuilder().setCsrDer(csr()).build()));
    refused(
        "provisioner edge",
        "etcd-peer for worker-1 (joins etcd)",
        "PROFILE_NOT_GRANTED",
        () ->
            edge.issuance()
                .issueEtcdPeer(
                    IssueEtcdPeerRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-1")
                        .setAdvertiseAddress("127.0.5.1")
                        .build()));
  }

  @Test
  void aConfinedProvisionerCannotNameAnythingOutsideItsConstraintsHoweverDerived()
      throws Exception {
    refused(
        "provisioner edge",
        "apiserver, extra SAN worker-1.bank.example",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example").addExtraSans("worker-1.bank.example").build()));
    refused(
        "provisioner edge",
        "apiserver, service_cidr 192.168.7.4/30 (192.168.7.5)",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example").setServiceCidr("192.168.7.4/30").build()));
    refused(
        "provisioner edge",
        "apiserver, dual-stack service_cidr 10.96.0.0/12,fd66::/112",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example")
                        .setServiceCidr("10.96.0.0/12,fd66::/112")
                        .build()));
    refused(
        "provisioner edge",
        "apiserver, dns_domain evil.example",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example").setDnsDomain("evil.example").build()));
    refused(
        "provisioner edge",
        "apiserver, endpoint api.bank.example:6443",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example")
                        .setControlPlaneEndpoint("api.bank.example:6443")
                        .build()));
    refused(
        "provisioner edge",
        "apiserver, advertise address 192.168.7.9",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example").setAdvertiseAddress("192.168.7.9").build()));
    refused(
        "provisioner edge",
        "apiserver, node name worker-1 as DNS SAN (not corp.example)",
        "OUTSIDE_CONSTRAINTS",
        () -> edge.issuance().issueApiserver(apiserver("worker-1").build()));
    refused(
        "provisioner edge",
        "kubelet-client worker-1.bank.example (worker-* across a dot)",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueKubeletClient(
                    IssueKubeletClientRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-1.bank.example")
                        .build()));
    refused(
        "provisioner edge",
        "kubelet-serving worker-2 for 10.0.0.2",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.issuance()
                .issueKubeletServing(
                    IssueKubeletServingRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-2")
                        .addAddresses("10.0.0.2")
                        .build()));
    refused(
        "provisioner edge",
        "bootstrap token for db-1",
        "OUTSIDE_CONSTRAINTS",
        () ->
            edge.credentials()
                .createBootstrapToken(
                    CreateBootstrapTokenRequest.newBuilder()
                        .setNodeName("db-1")
                        .addAddresses("127.0.5.9")
                        .build()));
  }

  @Test
  void aConfinedProvisionerStillGetsWhatItWasGranted() throws Exception {
    granted(
        "provisioner edge",
        "apiserver cp-1.corp.example, 127.0.5.10, api.corp.example",
        () ->
            edge.issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example")
                        .setControlPlaneEndpoint("api.corp.example:6443")
                        .addExtraSans("127.0.5.11")
                        .build()));
    granted(
        "provisioner edge",
        "kubelet-serving worker-7 for its names",
        () ->
            edge.issuance()
                .issueKubeletServing(
                    IssueKubeletServingRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-7")
                        .addAddresses("worker-7.corp.example")
                        .addAddresses("127.0.5.7")
                        .build()));
    assertNotNull(
        edge.credentials()
            .createBootstrapToken(
                CreateBootstrapTokenRequest.newBuilder()
                    .setNodeName("worker-9")
                    .addAddresses("127.0.5.9")
                    .build())
            .getToken());
    results.add(
        "| provisioner edge | bootstrap token for worker-9 | OK | OK | yes (no certificate) | TOKEN_CREATED |");
  }

  // --- a provisioner credential whose name has no entry
  // -------------------------------------------

  @Test
  void aProvisionerWithoutAnEntryGetsNothing() throws Exception {
    refused(
        "provisioner stray (no entry)",
        "apiserver for www.bank.example",
        "NO_PROVISIONER_ENTRY",
        () ->
            stray
                .issuance()
                .issueApiserver(
                    IssueApiserverRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("www.bank.example")
                        .setAdvertiseAddress("127.0.5.1")
                        .build()));
    refused(
        "provisioner stray (no entry)",
        "kubelet-client worker-1",
        "NO_PROVISIONER_ENTRY",
        () ->
            stray
                .issuance()
                .issueKubeletClient(
                    IssueKubeletClientRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-1")
                        .build()));
    refused(
        "provisioner stray (no entry)",
        "bootstrap token for worker-3",
        "NO_PROVISIONER_ENTRY",
        () ->
            stray
                .credentials()
                .createBootstrapToken(
                    CreateBootstrapTokenRequest.newBuilder()
                        .setNodeName("worker-3")
                        .addAddresses("127.0.5.3")
                        .build()));
  }

  // --- a node, and an auditor
  // ----------------------------------------------------------------------

  @Test
  void aNodeGetsOnlyItsOwnKubeletCertificates() throws Exception {
    refused(
        "node worker-1",
        "kubelet-client for worker-2",
        "OTHER_NODE",
        () ->
            node.issuance()
                .issueKubeletClient(
                    IssueKubeletClientRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-2")
                        .build()));
    refused(
        "node worker-1",
        "kubelet-serving for unregistered 127.0.5.99",
        "ADDRESS_NOT_REGISTERED",
        () ->
            node.issuance()
                .issueKubeletServing(
                    IssueKubeletServingRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-1")
                        .addAddresses("127.0.5.99")
                        .build()));
    refused(
        "node worker-1",
        "apiserver",
        "ROLE_NOT_ALLOWED",
        () -> node.issuance().issueApiserver(apiserver("worker-1").build()));
    refused(
        "node worker-1",
        "bootstrap token",
        "ROLE_NOT_ALLOWED",
        () ->
            node.credentials()
                .createBootstrapToken(
                    CreateBootstrapTokenRequest.newBuilder()
                        .setNodeName("worker-1")
                        .addAddresses("127.0.5.21")
                        .build()));
    String someoneElses =
        edge.issuance()
            .issueKubeletClient(
                IssueKubeletClientRequest.newBuilder()
                    .setCsrDer(csr())
                    .setNodeName("worker-5")
                    .build())
            .getSerial();
    refused(
        "node worker-1",
        "revoke worker-5's certificate",
        "NOT_OWN_CERTIFICATE",
        () -> node.ledger().revoke(RevokeRequest.newBuilder().setSerial(someoneElses).build()));
    granted(
        "node worker-1",
        "its own kubelet-serving for registered names",
        () ->
            node.issuance()
                .issueKubeletServing(
                    IssueKubeletServingRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-1")
                        .addAddresses("worker-1.corp.example")
                        .addAddresses("127.0.5.21")
                        .build()));
  }

  @Test
  void anAuditorReadsButIssuesNothing() throws Exception {
    refused(
        "auditor",
        "kubelet-client worker-1",
        "ROLE_NOT_ALLOWED",
        () ->
            auditor
                .issuance()
                .issueKubeletClient(
                    IssueKubeletClientRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-1")
                        .build()));
    refused(
        "auditor",
        "revoke by identity",
        "ROLE_NOT_ALLOWED",
        () ->
            auditor
                .ledger()
                .revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("edge").build()));
    refused(
        "auditor",
        "bootstrap token",
        "ROLE_NOT_ALLOWED",
        () ->
            auditor
                .credentials()
                .createBootstrapToken(
                    CreateBootstrapTokenRequest.newBuilder()
                        .setNodeName("worker-1")
                        .addAddresses("127.0.5.21")
                        .build()));
    assertEquals(
        true, auditor.audit().verifyAudit(VerifyAuditRequest.getDefaultInstance()).getIntact());
    auditor.ledger().listCertificates(ListCertificatesRequest.newBuilder().setPageSize(1).build());
    results.add("| auditor | ListCertificates, VerifyAudit | OK | OK | yes | - |");
  }

  // --- a stolen credential that renewed first --------------------------------------------------

  @Test
  void aRevokedCredentialsRenewalIsRevokedWithIt() throws Exception {
    Path first = daemon.credential(Role.ROLE_NODE, "system:node:worker-4", "127.0.5.24");
    String firstSerial;
    Path renewed;
    try (ApiClient thief = client(first)) {
      firstSerial = serialOf(first);
      KeyPair keys = Keys.ec();
      IssueCertificateResponse renewal =
          thief
              .credentials()
              .renewApiCredential(
                  RenewApiCredentialRequest.newBuilder().setCsrDer(Keys.csrBytes(keys)).build())
              .getCredential();
      renewed = write(renewal, keys);
    }
    daemon
        .operator()
        .ledger()
        .revoke(
            RevokeRequest.newBuilder()
                .setSerial(firstSerial)
                .setReason(RevocationReason.REVOCATION_REASON_KEY_COMPROMISE)
                .build());
    try (ApiClient withRenewal = client(renewed)) {
      refused(
          "stolen node credential, renewed before revocation",
          "kubelet-client with the renewal",
          "CREDENTIAL_REVOKED",
          Status.Code.UNAUTHENTICATED,
          () ->
              withRenewal
                  .issuance()
                  .issueKubeletClient(
                      IssueKubeletClientRequest.newBuilder()
                          .setCsrDer(csr())
                          .setNodeName("worker-4")
                          .build()));
      refused(
          "stolen node credential, renewed before revocation",
          "renew the renewal again",
          "CREDENTIAL_REVOKED",
          Status.Code.UNAUTHENTICATED,
          () ->
              withRenewal
                  .credentials()
                  .renewApiCredential(
                      RenewApiCredentialRequest.newBuilder().setCsrDer(csr()).build()));
    }
  }

  // --- input that used to get through ----------------------------------------------------------

  @Test
  void malformedInputIsInvalidAndAudited() throws Exception {
    ApiClient admin = daemon.operator();
    refused(
        "ca-admin",
        "CSR with a subjectAltName that is not DER",
        "CSR_EXTENSIONS",
        Status.Code.INVALID_ARGUMENT,
        () ->
            admin
                .issuance()
                .issueKubeletClient(
                    IssueKubeletClientRequest.newBuilder()
                        .setCsrDer(
                            ByteString.copyFrom(
                                HostileCsrs.extensionValueNotDer(
                                    Extension.subjectAlternativeName,
                                    false,
                                    new byte[] {0x30, 0x05, 0x02})))
                        .setNodeName("worker-1")
                        .build()));
    refused(
        "ca-admin",
        "node name 0x7f.0.0.1",
        "INVALID_PARAMETERS",
        Status.Code.INVALID_ARGUMENT,
        () ->
            admin
                .issuance()
                .issueKubeletClient(
                    IssueKubeletClientRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("0x7f.0.0.1")
                        .build()));
    refused(
        "ca-admin",
        "serving address xn--zz.corp.example",
        "INVALID_PARAMETERS",
        Status.Code.INVALID_ARGUMENT,
        () ->
            admin
                .issuance()
                .issueKubeletServing(
                    IssueKubeletServingRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("worker-1")
                        .addAddresses("xn--zz.corp.example")
                        .build()));
    refused(
        "ca-admin",
        "service_cidr 10.96.0.0/12,192.168.0.0/16 (two IPv4)",
        "INVALID_PARAMETERS",
        Status.Code.INVALID_ARGUMENT,
        () ->
            admin
                .issuance()
                .issueApiserver(
                    apiserver("cp-1.corp.example")
                        .setServiceCidr("10.96.0.0/12,192.168.0.0/16")
                        .build()));
    IssueApiserverRequest.Builder many = apiserver("cp-1.corp.example");
    for (int i = 0; i <= 100; i++) {
      many.addExtraSans("san-" + i + ".corp.example");
    }
    refused(
        "ca-admin",
        "101 extra SANs",
        "INVALID_PARAMETERS",
        Status.Code.INVALID_ARGUMENT,
        () -> admin.issuance().issueApiserver(many.build()));
  }

  // --- helpers -------------------------------------------------------------------------------

  private void refused(String actor, String attempt, String reason, Runnable call)
      throws Exception {
    refused(actor, attempt, reason, Status.Code.PERMISSION_DENIED, call);
  }

  /**
   * Makes {@code call}, which must fail with {@code expected}, sign nothing (as many certificate
   * rows as before, intents included) and leave one more audit event with {@code reason}.
   */
  private void refused(
      String actor, String attempt, String reason, Status.Code expected, Runnable call)
      throws Exception {
    int rows = daemon.ledger().count("1 = 1");
    int events = daemon.ledger().auditCount("reason = '" + reason + "'");

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run, attempt);

    int rowsAfter = daemon.ledger().count("1 = 1");
    int eventsAfter = daemon.ledger().auditCount("reason = '" + reason + "'");
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
            + (eventsAfter == events + 1 ? reason : "MISSING " + reason)
            + " |");
    assertEquals(expected, e.getStatus().getCode(), attempt + ": " + e.getMessage());
    assertEquals(rows, rowsAfter, attempt + ": nothing signed");
    assertEquals(events + 1, eventsAfter, attempt + ": the refusal is audited as " + reason);
  }

  private void granted(String actor, String attempt, Supplier<IssueCertificateResponse> call)
      throws Exception {
    int issued = daemon.ledger().count("state = 'ISSUED'");
    IssueCertificateResponse response = call.get();
    int issuedAfter = daemon.ledger().count("state = 'ISSUED'");
    assertEquals(issued + 1, issuedAfter, attempt);
    assertEquals(
        1,
        daemon
            .ledger()
            .auditCount("reason = 'ISSUED' AND serial = '" + response.getSerial() + "'"));
    results.add("| " + actor + " | " + attempt + " | OK | OK | +1 certificate | ISSUED |");
  }

  private static IssueApiserverRequest.Builder apiserver(String nodeName) {
    return IssueApiserverRequest.newBuilder()
        .setCsrDer(csr())
        .setNodeName(nodeName)
        .setAdvertiseAddress("127.0.5.10");
  }

  private ApiClient client(Path credential) throws Exception {
    return ApiClient.connect(
        daemon.port(),
        daemon.operatorDirectory().resolve("ca.crt"),
        credential.resolve("client.crt"),
        credential.resolve("client.key"));
  }

  private Path write(IssueCertificateResponse credential, KeyPair keys) throws Exception {
    Path directory = Files.createTempDirectory(daemon.directory(), "renewed-");
    AtomicFiles.write(
        directory.resolve("client.crt"),
        Pem.certificate(credential.getCertificateDer().toByteArray())
            .getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
    AtomicFiles.write(directory.resolve("client.key"), Pem.privateKey(keys), AtomicFiles.SECRET);
    return directory;
  }

  private static String serialOf(Path credential) throws Exception {
    return ApiClient.readCertificates(credential.resolve("client.crt"))[0]
        .getSerialNumber()
        .toString(16)
        .toLowerCase(Locale.ROOT);
  }

  private static ByteString csr() {
    return Keys.csrBytes(Keys.ec());
  }
}
