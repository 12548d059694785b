package dev.signet.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.CreateCheckpointRequest;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.GetCaStatusRequest;
import dev.signet.api.v1.GetCertificateRequest;
import dev.signet.api.v1.GetCrlRequest;
import dev.signet.api.v1.IssueAdminRequest;
import dev.signet.api.v1.IssueApiCredentialRequest;
import dev.signet.api.v1.IssueApiserverEtcdClientRequest;
import dev.signet.api.v1.IssueApiserverKubeletClientRequest;
import dev.signet.api.v1.IssueApiserverRequest;
import dev.signet.api.v1.IssueControllerManagerRequest;
import dev.signet.api.v1.IssueEtcdHealthcheckClientRequest;
import dev.signet.api.v1.IssueEtcdPeerRequest;
import dev.signet.api.v1.IssueEtcdServerRequest;
import dev.signet.api.v1.IssueFrontProxyClientRequest;
import dev.signet.api.v1.IssueKubeProxyRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.IssueSchedulerRequest;
import dev.signet.api.v1.IssueSuperAdminRequest;
import dev.signet.api.v1.ListAuditEventsRequest;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.RenewApiCredentialRequest;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.Role;
import dev.signet.api.v1.RotateCaRequest;
import dev.signet.api.v1.RotationPhase;
import dev.signet.api.v1.TrustDomain;
import dev.signet.api.v1.VerifyAuditRequest;
import dev.signet.api.v1.WatchCheckpointsRequest;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Least privilege over real mutual TLS: every role against every RPC, then the per-request
 * constraints (a node's own name and registered addresses, a provisioner's patterns and ranges),
 * each refusal PERMISSION_DENIED naming its rule, nothing signed, and an audit entry with both
 * identities. The expected table is written here from the issue, not derived from the code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationIT {
  private static final String NODE = "worker-1";
  private static final String NODE_DNS = "worker-1.example.test";
  private static final String NODE_IP = "192.0.2.11";

  private TestDaemon daemon;
  private final Map<Role, ApiClient> clients = new EnumMap<>(Role.class);
  private ApiClient edgeProvisioner;

  @BeforeAll
  void start() throws Exception {
    daemon =
        TestDaemon.start(
            "authz",
            new DaemonConfig()
                .extra(
                    """
                    authorization:
                      provisioners:
                        ops-provisioner:
                          unconstrained: true
                          profiles: [admin, apiserver-kubelet-client, front-proxy-client,
                                     etcd-server, etcd-peer, etcd-healthcheck-client,
                                     apiserver-etcd-client, controller-manager]
                        edge-provisioner:
                          profiles: [kubelet-client, kubelet-serving, etcd-server]
                          nodeNames: ["edge-*", "edge-*.edge.example.test"]
                          addresses: ["198.51.100.0/24"]
                          dnsSuffixes: ["edge.example.test"]"""));
    clients.put(Role.ROLE_CA_ADMIN, daemon.operator());
    clients.put(Role.ROLE_PROVISIONER, daemon.connectAs(Role.ROLE_PROVISIONER, "ops-provisioner"));
    clients.put(
        Role.ROLE_NODE, daemon.connectAs(Role.ROLE_NODE, "system:node:" + NODE, NODE_DNS, NODE_IP));
    clients.put(Role.ROLE_AUDITOR, daemon.connectAs(Role.ROLE_AUDITOR, "auditor-1"));
    clients.put(Role.ROLE_CSR_SIGNER, daemon.connectAs(Role.ROLE_CSR_SIGNER, "signet-csr-signer"));
    edgeProvisioner = daemon.connectAs(Role.ROLE_PROVISIONER, "edge-provisioner");
  }

  @AfterAll
  void stop() throws Exception {
    for (Map.Entry<Role, ApiClient> client : clients.entrySet()) {
      if (client.getKey() != Role.ROLE_CA_ADMIN) {
        client.getValue().close();
      }
    }
    edgeProvisioner.close();
    daemon.close();
  }

  private static final Set<Role> ALL =
      EnumSet.of(
          Role.ROLE_CA_ADMIN,
          Role.ROLE_PROVISIONER,
          Role.ROLE_NODE,
          Role.ROLE_AUDITOR,
          Role.ROLE_CSR_SIGNER);
  private static final Set<Role> PROVISIONING =
      EnumSet.of(Role.ROLE_CA_ADMIN, Role.ROLE_PROVISIONER);
  private static final Set<Role> KUBELET =
      EnumSet.of(Role.ROLE_CA_ADMIN, Role.ROLE_PROVISIONER, Role.ROLE_NODE, Role.ROLE_CSR_SIGNER);
  private static final Set<Role> ADMIN = EnumSet.of(Role.ROLE_CA_ADMIN);
  private static final Set<Role> AUDITING = EnumSet.of(Role.ROLE_CA_ADMIN, Role.ROLE_AUDITOR);
  private static final String UNKNOWN_SERIAL = "7f00000000000000000000000000dead";

  /** Every RPC of the API with a well-formed request about worker-1, and who may make it. */
  // The calls are stateless lambdas, and nothing modifies the role sets.
  @SuppressWarnings("ImmutableEnumChecker")
  enum Rpc {
    ISSUE_APISERVER(
        PROVISIONING,
        c ->
            c.issuance()
                .issueApiserver(
                    IssueApiserverRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName(NODE)
                        .setAdvertiseAddress(NODE_IP)
                        .build())),
    ISSUE_APISERVER_KUBELET_CLIENT(
        PROVISIONING,
        c ->
            c.issuance()
                .issueApiserverKubeletClient(
                    IssueApiserverKubeletClientRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_FRONT_PROXY_CLIENT(
        PROVISIONING,
        c ->
            c.issuance()
                .issueFrontProxyClient(
                    IssueFrontProxyClientRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_ETCD_SERVER(
        PROVISIONING,
        c ->
            c.issuance()
                .issueEtcdServer(
                    IssueEtcdServerRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName(NODE)
                        .setAdvertiseAddress(NODE_IP)
                        .build())),
    ISSUE_ETCD_PEER(
        PROVISIONING,
        c ->
            c.issuance()
                .issueEtcdPeer(
                    IssueEtcdPeerRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName(NODE)
                        .setAdvertiseAddress(NODE_IP)
                        .build())),
    ISSUE_ETCD_HEALTHCHECK_CLIENT(
        PROVISIONING,
        c ->
            c.issuance()
                .issueEtcdHealthcheckClient(
                    IssueEtcdHealthcheckClientRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_APISERVER_ETCD_CLIENT(
        PROVISIONING,
        c ->
            c.issuance()
                .issueApiserverEtcdClient(
                    IssueApiserverEtcdClientRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_ADMIN(
        PROVISIONING,
        c -> c.issuance().issueAdmin(IssueAdminRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_SUPER_ADMIN(
        ADMIN,
        c ->
            c.issuance()
                .issueSuperAdmin(IssueSuperAdminRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_CONTROLLER_MANAGER(
        PROVISIONING,
        c ->
            c.issuance()
                .issueControllerManager(
                    IssueControllerManagerRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_SCHEDULER(
        PROVISIONING,
        c ->
            c.issuance()
                .issueScheduler(IssueSchedulerRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_KUBE_PROXY(
        PROVISIONING,
        c ->
            c.issuance()
                .issueKubeProxy(IssueKubeProxyRequest.newBuilder().setCsrDer(csr()).build())),
    ISSUE_KUBELET_CLIENT(
        KUBELET,
        c ->
            c.issuance()
                .issueKubeletClient(
                    IssueKubeletClientRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName(NODE)
                        .build())),
    ISSUE_KUBELET_SERVING(
        KUBELET,
        c ->
            c.issuance()
                .issueKubeletServing(
                    IssueKubeletServingRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName(NODE)
                        .addAddresses(NODE_DNS)
                        .addAddresses(NODE_IP)
                        .build())),
    GET_CA_BUNDLES(ALL, c -> c.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance())),
    ISSUE_API_CREDENTIAL(
        ADMIN,
        c ->
            c.credentials()
                .issueApiCredential(
                    IssueApiCredentialRequest.newBuilder()
                        .setCsrDer(csr())
                        .setRole(Role.ROLE_AUDITOR)
                        .setName("auditor-" + System.nanoTime())
                        .build())),
    CREATE_BOOTSTRAP_TOKEN(
        PROVISIONING,
        c ->
            c.credentials()
                .createBootstrapToken(
                    CreateBootstrapTokenRequest.newBuilder()
                        .setNodeName("worker-9")
                        .addAddresses("192.0.2.99")
                        .build())),
    RENEW_API_CREDENTIAL(
        ALL,
        c ->
            c.credentials()
                .renewApiCredential(
                    RenewApiCredentialRequest.newBuilder().setCsrDer(csr()).build())),
    // Allowed callers get past authorization to the lookup of a serial that does not exist.
    REVOKE(
        EnumSet.of(Role.ROLE_CA_ADMIN, Role.ROLE_NODE),
        Status.Code.NOT_FOUND,
        c -> c.ledger().revoke(RevokeRequest.newBuilder().setSerial(UNKNOWN_SERIAL).build())),
    LIST_CERTIFICATES(
        AUDITING,
        c ->
            c.ledger()
                .listCertificates(ListCertificatesRequest.newBuilder().setPageSize(1).build())),
    GET_CERTIFICATE(
        AUDITING,
        Status.Code.NOT_FOUND,
        c ->
            c.ledger()
                .getCertificate(
                    GetCertificateRequest.newBuilder().setSerial(UNKNOWN_SERIAL).build())),
    GET_CRL(
        ALL,
        c ->
            c.ledger()
                .getCrl(
                    GetCrlRequest.newBuilder()
                        .setTrustDomain(TrustDomain.TRUST_DOMAIN_KUBERNETES)
                        .build())),
    VERIFY_AUDIT(AUDITING, c -> c.audit().verifyAudit(VerifyAuditRequest.getDefaultInstance())),
    CREATE_CHECKPOINT(
        AUDITING, c -> c.audit().createCheckpoint(CreateCheckpointRequest.getDefaultInstance())),
    WATCH_CHECKPOINTS(
        AUDITING,
        c ->
            c.audit()
                .watchCheckpoints(WatchCheckpointsRequest.getDefaultInstance())
                .forEachRemaining(c2 -> {})),
    LIST_AUDIT_EVENTS(
        AUDITING, c -> c.audit().listAuditEvents(ListAuditEventsRequest.getDefaultInstance())),
    // Allowed callers get past authorization to the rule that the signet-api CA is not rotated
    // online.
    ROTATE_CA(
        ADMIN,
        Status.Code.FAILED_PRECONDITION,
        c ->
            c.ca()
                .rotateCa(
                    RotateCaRequest.newBuilder()
                        .setTrustDomain(TrustDomain.TRUST_DOMAIN_SIGNET_API)
                        .setPhase(RotationPhase.ROTATION_PHASE_PREPARE)
                        .build())),
    GET_CA_STATUS(
        ALL,
        c ->
            c.ca()
                .getCaStatus(
                    GetCaStatusRequest.newBuilder()
                        .setTrustDomain(TrustDomain.TRUST_DOMAIN_ETCD)
                        .build())),
    HEALTH_CHECK(
        ALL,
        c ->
            HealthGrpc.newBlockingStub(c.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()));

    final Set<Role> allowed;

    /**
     * What an allowed caller gets: OK, or the refusal of a later check that only allowed callers
     * reach.
     */
    final Status.Code whenAllowed;

    final Consumer<ApiClient> call;

    Rpc(Set<Role> allowed, Consumer<ApiClient> call) {
      this(allowed, Status.Code.OK, call);
    }

    Rpc(Set<Role> allowed, Status.Code whenAllowed, Consumer<ApiClient> call) {
      this.allowed = allowed;
      this.whenAllowed = whenAllowed;
      this.call = call;
    }
  }

  @ParameterizedTest
  @EnumSource(Rpc.class)
  void everyRoleAgainstEveryRpc(Rpc rpc) throws Exception {
    for (Role role : ALL) {
      ApiClient client = clients.get(role);
      if (rpc.allowed.contains(role) && rpc.whenAllowed == Status.Code.OK) {
        rpc.call.accept(client);
      } else if (rpc.allowed.contains(role)) {
        StatusRuntimeException refused =
            assertThrows(StatusRuntimeException.class, () -> rpc.call.accept(client));
        assertEquals(
            rpc.whenAllowed,
            refused.getStatus().getCode(),
            rpc + " for " + role + ": " + refused.getMessage());
      } else {
        int deniedBefore = daemon.ledger().auditCount("decision = 'DENIED'");
        int issuedBefore = daemon.ledger().count("state = 'ISSUED'");
        StatusRuntimeException denied =
            assertThrows(
                StatusRuntimeException.class,
                () -> rpc.call.accept(client),
                rpc + " must be denied to " + role);
        assertEquals(
            Status.Code.PERMISSION_DENIED,
            denied.getStatus().getCode(),
            rpc + " for " + role + ": " + denied.getMessage());
        assertEquals(issuedBefore, daemon.ledger().count("state = 'ISSUED'"), "nothing signed");
        assertEquals(
            deniedBefore + 1,
            daemon.ledger().auditCount("decision = 'DENIED'"),
            "the denial is audited");
      }
    }
  }

  @Test
  void aNodeMayNotAskForAnotherNode() throws Exception {
    StatusRuntimeException denied =
        assertDenied(
            () ->
                clients
                    .get(Role.ROLE_NODE)
                    .issuance()
                    .issueKubeletClient(
                        IssueKubeletClientRequest.newBuilder()
                            .setCsrDer(csr())
                            .setNodeName("worker-2")
                            .build()));
    assertTrue(
        denied
            .getStatus()
            .getDescription()
            .contains("node worker-1 may not request certificates for worker-2"),
        denied.getStatus().getDescription());
    assertEquals(
        1,
        daemon
            .ledger()
            .auditCount(
                "caller = 'system:node:worker-1' AND node_name = 'worker-2' AND reason = 'OTHER_NODE'"),
        "audited with both identities");
  }

  @Test
  void aNodeMayNotAskForAnAddressNotRegisteredForIt() throws Exception {
    StatusRuntimeException denied =
        assertDenied(
            () ->
                clients
                    .get(Role.ROLE_NODE)
                    .issuance()
                    .issueKubeletServing(
                        IssueKubeletServingRequest.newBuilder()
                            .setCsrDer(csr())
                            .setNodeName(NODE)
                            .addAddresses(NODE_DNS)
                            .addAddresses("192.0.2.250")
                            .build()));
    assertTrue(
        denied.getStatus().getDescription().contains("192.0.2.250"),
        denied.getStatus().getDescription());
  }

  @Test
  void aNodeMayNotAskForAControlPlaneCertificate() {
    assertDenied(
        () ->
            clients
                .get(Role.ROLE_NODE)
                .issuance()
                .issueApiserver(
                    IssueApiserverRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName(NODE)
                        .setAdvertiseAddress(NODE_IP)
                        .build()));
  }

  @Test
  void aConstrainedProvisionerStaysInsideItsPatternsAndRanges() {
    edgeProvisioner
        .issuance()
        .issueKubeletServing(
            IssueKubeletServingRequest.newBuilder()
                .setCsrDer(csr())
                .setNodeName("edge-7")
                .addAddresses("edge-7.edge.example.test")
                .addAddresses("198.51.100.7")
                .build());

    StatusRuntimeException outsidePattern =
        assertDenied(
            () ->
                edgeProvisioner
                    .issuance()
                    .issueKubeletClient(
                        IssueKubeletClientRequest.newBuilder()
                            .setCsrDer(csr())
                            .setNodeName("core-1")
                            .build()));
    assertTrue(
        outsidePattern
            .getStatus()
            .getDescription()
            .contains("node name core-1 matches none of [edge-*, edge-*.edge.example.test]"),
        outsidePattern.getStatus().getDescription());
    StatusRuntimeException outsideRange =
        assertDenied(
            () ->
                edgeProvisioner
                    .issuance()
                    .issueEtcdServer(
                        IssueEtcdServerRequest.newBuilder()
                            .setCsrDer(csr())
                            .setNodeName("edge-7.edge.example.test")
                            .setAdvertiseAddress("10.0.0.7")
                            .build()));
    assertTrue(
        outsideRange
            .getStatus()
            .getDescription()
            .contains("address 10.0.0.7 is in none of [198.51.100.0/24]"),
        outsideRange.getStatus().getDescription());
    assertDenied(
        () ->
            edgeProvisioner
                .issuance()
                .issueKubeletServing(
                    IssueKubeletServingRequest.newBuilder()
                        .setCsrDer(csr())
                        .setNodeName("edge-7")
                        .addAddresses("edge-7.core.example.test")
                        .build()));
    assertDenied(
        () ->
            edgeProvisioner
                .credentials()
                .createBootstrapToken(
                    CreateBootstrapTokenRequest.newBuilder()
                        .setNodeName("core-9")
                        .addAddresses("198.51.100.9")
                        .build()));
    edgeProvisioner
        .credentials()
        .createBootstrapToken(
            CreateBootstrapTokenRequest.newBuilder()
                .setNodeName("edge-9")
                .addAddresses("198.51.100.9")
                .build());
  }

  @Test
  void anAuditorCannotIssueAnything() {
    StatusRuntimeException denied =
        assertDenied(
            () ->
                clients
                    .get(Role.ROLE_AUDITOR)
                    .issuance()
                    .issueKubeletClient(
                        IssueKubeletClientRequest.newBuilder()
                            .setCsrDer(csr())
                            .setNodeName(NODE)
                            .build()));
    assertTrue(
        denied.getStatus().getDescription().contains("auditor"),
        denied.getStatus().getDescription());
  }

  private static StatusRuntimeException assertDenied(Runnable call) {
    StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode(), denied.getMessage());
    return denied;
  }

  private static ByteString csr() {
    return Keys.csrBytes(Keys.ec());
  }
}
