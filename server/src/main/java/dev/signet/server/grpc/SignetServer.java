package dev.signet.server.grpc;

import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.CaGrpc;
import dev.signet.api.v1.CredentialsGrpc;
import dev.signet.api.v1.IssuanceGrpc;
import dev.signet.api.v1.LedgerGrpc;
import dev.signet.api.v1.ServiceAccountKeysGrpc;
import dev.signet.common.TlsKeys;
import dev.signet.server.audit.AuditCheckpointer;
import dev.signet.server.audit.AuditCheckpoints;
import dev.signet.server.audit.AuditKey;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.audit.AuditTrail;
import dev.signet.server.audit.RefusalAudit;
import dev.signet.server.auth.MethodAccess;
import dev.signet.server.auth.Role;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.enrollment.Enrollment;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.keystore.TokenHealth;
import dev.signet.server.ledger.CaGenerations;
import dev.signet.server.metrics.SignetdMetrics;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.revocation.CrlPublisher;
import dev.signet.server.revocation.Revocations;
import dev.signet.server.revocation.RevokedCredentials;
import dev.signet.server.rotation.CaRotation;
import dev.signet.server.serviceaccount.ServiceAccountKeys;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;

/**
 * signetd's gRPC endpoint: TLS 1.3 (1.2 at least) with client certificates required and trusted
 * only from the signet-api CA, every limit explicit, and four interceptors in front of every
 * service: observation (metrics and the call's log line), call limits, then caller identity, then
 * authorization. Server reflection ({@code grpc.reflection.v1}) is served behind the same gate.
 */
public final class SignetServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SignetServer.class.getName());

  /** The listeners, as metrics name them. */
  public static final String API = "api";

  public static final String ENROLLMENT = "enrollment";

  /**
   * Network threads of the enrollment port (TLS, HTTP/2), apart from the API port's: one, so that
   * however it is flooded the enrollment port's network work takes at most one core.
   */
  private static final int ENROLLMENT_NETWORK_THREADS = 1;

  /** What the servers serve: the daemon's parts, as {@code daemon.Daemon} assembles them. */
  public interface Backend {
    IssuancePipeline pipeline();

    CaRegistry cas();

    Enrollment enrollment();

    Revocations revocations();

    CrlPublisher crlPublisher();

    RevokedCredentials revokedCredentials();

    Database database();

    AuditCheckpointer checkpointer();

    AuditKey auditKey();

    AuditCheckpoints checkpoints();

    AuditTrail trail();

    CaRotation rotation();

    CaGenerations generations();

    ServiceAccountKeys serviceAccountKeys();

    RoleMapping roles();

    AuditLog audit();

    TokenHealth tokenHealth();

    Clock clock();

    SignetdMetrics metrics();

    /** Where refusals of unauthenticated callers are audited, bounded. */
    RefusalAudit refusals();
  }

  private final List<Server> servers;
  private final List<ExecutorService> executors;
  private final List<EventLoopGroup> eventLoops;
  private final ScheduledExecutorService timer;
  private final HealthStatusManager health;
  private final ServerLoad load;

  private SignetServer(
      List<Server> servers,
      List<ExecutorService> executors,
      List<EventLoopGroup> eventLoops,
      ScheduledExecutorService timer,
      HealthStatusManager health,
      ServerLoad load) {
    this.servers = servers;
    this.executors = executors;
    this.eventLoops = eventLoops;
    this.timer = timer;
    this.health = health;
    this.load = load;
  }

  /**
   * Starts the API server and, unless turned off, the enrollment server. Both present the daemon's
   * serving credential (issued by the signet-api CA); only the API server asks for client
   * certificates, and only the enrollment server serves Bootstrap.Join.
   *
   * <p>The two are kept apart so that an attack on the enrollment port, which anyone can reach,
   * does not slow down authenticated callers: each has its own call executor and limits, and the
   * enrollment server its own network threads (TLS handshakes run there) and connection limits.
   */
  public static SignetServer start(
      SignetdConfig config,
      Backend parts,
      PrivateKey servingKey,
      List<X509Certificate> servingChain)
      throws IOException {
    SignetdConfig.Limits limits = config.limits();
    // one key manager for both ports: netty converts the key for OpenSSL once
    KeyManagerFactory servingKeys = TlsKeys.of(servingKey, servingChain);
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(threads("signet-deadline"));
    HealthStatusManager health = new HealthStatusManager();
    List<Server> servers = new ArrayList<>();
    List<ExecutorService> executors = new ArrayList<>();
    List<EventLoopGroup> eventLoops = new ArrayList<>();
    CallBounds apiBounds = new CallBounds(limits.maxCallDuration(), timer);
    ApiAdmission apiAdmission = new ApiAdmission(limits, parts.clock());
    OpenConnections apiConnections = new OpenConnections();
    CallBounds enrollmentBounds = new CallBounds(limits.maxCallDuration(), timer);
    PeerConnections enrollmentConnections =
        new PeerConnections(
            config.enrollment().maxConnections(),
            config.enrollment().maxConnectionsPerPeer(),
            config.enrollment().connectionsPerSecondPerPeer(),
            config.enrollment().connectionBurstPerPeer(),
            parts.refusals(),
            parts.clock());
    EnrollmentAdmission enrollmentAdmission =
        new EnrollmentAdmission(
            config.enrollment(),
            limits.maxCallDuration(),
            enrollmentConnections,
            parts.refusals(),
            parts.clock());
    SignetdMetrics metrics = parts.metrics();
    try {
      SslContext mutualTls =
          new CountedHandshakes(
              GrpcSslContexts.configure(SslContextBuilder.forServer(servingKeys))
                  .trustManager(
                      CountedHandshakes.refusalsCounted(
                          parts.cas().bundle(TrustDomain.SIGNET_API), metrics, API))
                  .clientAuth(ClientAuth.REQUIRE)
                  .protocols("TLSv1.3", "TLSv1.2")
                  .build(),
              metrics,
              API);
      ServerInterceptor[] api = {
        new ObservedCalls(metrics),
        apiBounds,
        new CallerInterceptor(parts.roles()),
        new AuthorizationInterceptor(
            methodAccess(), parts.revokedCredentials(), parts.audit(), parts.clock()),
        apiAdmission
      };
      ExecutorService apiExecutor =
          Executors.newFixedThreadPool(limits.maxConcurrentCalls(), threads("signet-rpc"));
      executors.add(apiExecutor);
      servers.add(
          builder(config.listen(), limits, mutualTls, apiExecutor)
              .addTransportFilter(apiConnections)
              .addService(
                  intercepted(
                      new IssuanceService(parts.pipeline(), parts.cas()).bindService(), api))
              .addService(
                  intercepted(new CredentialsService(parts.enrollment()).bindService(), api))
              .addService(
                  intercepted(
                      new LedgerService(parts.revocations(), parts.crlPublisher()).bindService(),
                      api))
              .addService(
                  intercepted(
                      new AuditService(
                              new AuditService.Parts(
                                  parts.database(),
                                  parts.checkpointer(),
                                  parts.checkpoints(),
                                  parts.trail(),
                                  parts.auditKey(),
                                  config.audit().checkpointInterval(),
                                  parts.clock()))
                          .bindService(),
                      api))
              .addService(
                  intercepted(
                      new CaService(
                              parts.rotation(), parts.cas(), parts.generations(), parts.clock())
                          .bindService(),
                      api))
              .addService(
                  intercepted(
                      new ServiceAccountService(parts.serviceAccountKeys()).bindService(), api))
              .addService(intercepted(health.getHealthService().bindService(), api))
              // grpcurl and other tools list and describe the API; behind mutual TLS like the rest
              .addService(intercepted(ProtoReflectionServiceV1.newInstance().bindService(), api))
              .addTransportFilter(CountedHandshakes.completions(metrics, API))
              .build()
              .start());
      if (config.enrollment().listen().isPresent()) {
        SslContext serverTls =
            new CountedHandshakes(
                GrpcSslContexts.configure(SslContextBuilder.forServer(servingKeys))
                    .clientAuth(ClientAuth.NONE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build(),
                metrics,
                ENROLLMENT);
        ExecutorService enrollmentExecutor =
            Executors.newFixedThreadPool(
                config.enrollment().maxConcurrentCalls(), threads("signet-join"));
        executors.add(enrollmentExecutor);
        EventLoopGroup acceptor =
            new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("signet-join-accept", true), NioIoHandler.newFactory());
        eventLoops.add(acceptor);
        EventLoopGroup network =
            new MultiThreadIoEventLoopGroup(
                ENROLLMENT_NETWORK_THREADS,
                new DefaultThreadFactory("signet-join-net", true),
                NioIoHandler.newFactory());
        eventLoops.add(network);
        servers.add(
            builder(config.enrollment().listen().get(), limits, serverTls, enrollmentExecutor)
                .channelFactory(enrollmentConnections)
                .bossEventLoopGroup(acceptor)
                .workerEventLoopGroup(network)
                .addService(
                    intercepted(
                        new BootstrapService(parts.enrollment()).bindService(),
                        new ObservedCalls(metrics),
                        enrollmentBounds,
                        enrollmentAdmission))
                .addTransportFilter(CountedHandshakes.completions(metrics, ENROLLMENT))
                .build()
                .start());
        // ends with the timer
        Future<?> unused =
            timer.scheduleWithFixedDelay(
                enrollmentAdmission::forgetIdlePeers, 1, 1, TimeUnit.MINUTES);
      }
    } catch (IOException | RuntimeException e) {
      servers.forEach(Server::shutdownNow);
      executors.forEach(ExecutorService::shutdownNow);
      stop(eventLoops);
      timer.shutdownNow();
      throw e;
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(IssuanceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    parts
        .tokenHealth()
        .onFailure(
            reason -> {
              health.setStatus("", ServingStatus.NOT_SERVING);
              health.setStatus(IssuanceGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
            });
    LOG.info(
        "signetd API on "
            + servers.get(0).getListenSockets()
            + " (mutual TLS)"
            + (servers.size() > 1
                ? ", enrollment on " + servers.get(1).getListenSockets() + " (server TLS)"
                : ""));
    boolean enrollment = servers.size() > 1;
    ServerLoad load =
        new ServerLoad() {
          @Override
          public Port api() {
            return new Port(
                API,
                apiAdmission.inFlight(),
                apiAdmission.maxCalls(),
                apiAdmission.refused(),
                apiBounds.closedAtDeadline(),
                apiConnections.open(),
                0,
                0);
          }

          @Override
          public Optional<Port> enrollment() {
            return enrollment
                ? Optional.of(
                    new Port(
                        ENROLLMENT,
                        enrollmentAdmission.inFlight(),
                        enrollmentAdmission.maxCalls(),
                        enrollmentAdmission.refused(),
                        enrollmentBounds.closedAtDeadline(),
                        enrollmentConnections.open(),
                        enrollmentConnections.max(),
                        enrollmentConnections.refused()))
                : Optional.empty();
          }
        };
    return new SignetServer(servers, executors, eventLoops, timer, health, load);
  }

  private static NettyServerBuilder builder(
      SignetdConfig.Listen listen,
      SignetdConfig.Limits limits,
      SslContext tls,
      ExecutorService executor) {
    return NettyServerBuilder.forAddress(new InetSocketAddress(listen.host(), listen.port()))
        .sslContext(tls)
        .executor(executor)
        .maxInboundMessageSize(limits.maxMessageBytes())
        .maxInboundMetadataSize(limits.maxMetadataBytes())
        .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
        .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionIdle(limits.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
        // Busy connections end too: a revoked or hostile caller cannot keep one for good.
        .maxConnectionAge(limits.maxConnectionAge().toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionAgeGrace(limits.maxConnectionAgeGrace().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(1, TimeUnit.MINUTES)
        .permitKeepAliveWithoutCalls(false)
        // HTTP/2 rapid reset (CVE-2023-44487): close connections that cancel streams in bulk.
        .maxRstFramesPerWindow(200, 10);
  }

  /**
   * Who may call what, RPC by RPC. A method missing here is closed to everyone. Per-request
   * constraints (which node, which addresses) are the IssuancePolicy's, after this gate.
   */
  static MethodAccess methodAccess() {
    Set<Role> anyone = Set.of();
    Set<Role> admins = EnumSet.of(Role.CA_ADMIN);
    Set<Role> provisioning = EnumSet.of(Role.CA_ADMIN, Role.PROVISIONER);
    Set<Role> kubelet = EnumSet.of(Role.CA_ADMIN, Role.PROVISIONER, Role.NODE, Role.CSR_SIGNER);
    Set<Role> auditing = EnumSet.of(Role.CA_ADMIN, Role.AUDITOR);
    Map<MethodDescriptor<?, ?>, Set<Role>> table = new LinkedHashMap<>();
    table.put(IssuanceGrpc.getIssueApiserverMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueApiserverKubeletClientMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueFrontProxyClientMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueEtcdServerMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueEtcdPeerMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueEtcdHealthcheckClientMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueApiserverEtcdClientMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueAdminMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueSuperAdminMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueControllerManagerMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueSchedulerMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueKubeProxyMethod(), provisioning);
    table.put(IssuanceGrpc.getIssueKubeletClientMethod(), kubelet);
    table.put(IssuanceGrpc.getIssueKubeletServingMethod(), kubelet);
    table.put(IssuanceGrpc.getGetCaBundlesMethod(), anyone);
    table.put(CredentialsGrpc.getIssueApiCredentialMethod(), admins);
    table.put(CredentialsGrpc.getCreateBootstrapTokenMethod(), provisioning);
    table.put(CredentialsGrpc.getRenewApiCredentialMethod(), EnumSet.allOf(Role.class));
    table.put(LedgerGrpc.getRevokeMethod(), EnumSet.of(Role.CA_ADMIN, Role.NODE));
    table.put(LedgerGrpc.getRevokeIdentityMethod(), admins);
    table.put(LedgerGrpc.getListCertificatesMethod(), auditing);
    table.put(LedgerGrpc.getGetCertificateMethod(), auditing);
    table.put(LedgerGrpc.getGetCrlMethod(), anyone);
    table.put(AuditGrpc.getVerifyAuditMethod(), auditing);
    table.put(AuditGrpc.getCreateCheckpointMethod(), auditing);
    table.put(AuditGrpc.getWatchCheckpointsMethod(), auditing);
    table.put(AuditGrpc.getListAuditEventsMethod(), auditing);
    table.put(CaGrpc.getRotateCaMethod(), admins);
    table.put(CaGrpc.getGetCaStatusMethod(), anyone);
    table.put(ServiceAccountKeysGrpc.getRotateServiceAccountKeyMethod(), admins);
    table.put(ServiceAccountKeysGrpc.getGetServiceAccountKeysMethod(), anyone);
    table.put(HealthGrpc.getCheckMethod(), anyone);
    table.put(HealthGrpc.getWatchMethod(), anyone);
    table.put(ServerReflectionGrpc.getServerReflectionInfoMethod(), anyone);
    Map<String, Set<Role>> byName = new LinkedHashMap<>();
    table.forEach((method, roles) -> byName.put(method.getFullMethodName(), roles));
    return new MethodAccess(byName);
  }

  /** Interceptors run in the order given: the first sees the call first. */
  private static ServerServiceDefinition intercepted(
      ServerServiceDefinition service, ServerInterceptor... inOrder) {
    List<ServerInterceptor> reversed = new ArrayList<>(List.of(inOrder));
    Collections.reverse(reversed);
    return ServerInterceptors.intercept(service, reversed);
  }

  private static java.util.concurrent.ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** How full the servers are, for metrics. */
  public ServerLoad load() {
    return load;
  }

  /** The API server's port (useful when the configuration asked for port 0). */
  public int port() {
    return port(servers.get(0));
  }

  /** The enrollment server's port, when it runs. */
  public Optional<Integer> enrollmentPort() {
    return servers.size() > 1 ? Optional.of(port(servers.get(1))) : Optional.empty();
  }

  private static int port(Server server) {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  /** Stops accepting calls, lets calls in flight finish (up to 10 s), then stops. */
  @Override
  public void close() {
    health.enterTerminalState();
    servers.forEach(Server::shutdown);
    try {
      for (Server server : servers) {
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
          server.shutdownNow();
          server.awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      servers.forEach(Server::shutdownNow);
    }
    executors.forEach(ExecutorService::shutdownNow);
    stop(eventLoops);
    timer.shutdownNow();
  }

  private static void stop(List<EventLoopGroup> eventLoops) {
    for (EventLoopGroup group : eventLoops) {
      if (!group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10_000)) {
        LOG.warning("network threads still running 10 s after the server stopped");
      }
    }
  }
}
