package dev.signet.server.grpc;

import dev.signet.api.v1.IssuanceGrpc;
import dev.signet.server.auth.MethodAccess;
import dev.signet.server.auth.Role;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.TokenHealth;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.issuance.Issuer;
import dev.signet.server.profile.TrustDomain;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * signetd's gRPC endpoint: TLS 1.3 (1.2 at least) with client certificates required and trusted
 * only from the signet-api CA, every limit explicit, and three interceptors in front of every
 * service: call limits, then caller identity, then authorization.
 */
public final class SignetServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SignetServer.class.getName());

  private final Server server;
  private final ExecutorService executor;
  private final ScheduledExecutorService timer;
  private final HealthStatusManager health;

  private SignetServer(
      Server server, ExecutorService executor, ScheduledExecutorService timer, HealthStatusManager health) {
    this.server = server;
    this.executor = executor;
    this.timer = timer;
    this.health = health;
  }

  /** Builds and starts the server; the serving credential was issued by the signet-api CA. */
  public static SignetServer start(
      SignetdConfig config,
      Issuer issuer,
      CaRegistry cas,
      TokenHealth tokenHealth,
      PrivateKey servingKey,
      List<X509Certificate> servingChain)
      throws IOException {
    SignetdConfig.Limits limits = config.limits();
    SslContext tls =
        GrpcSslContexts.configure(
                SslContextBuilder.forServer(servingKey, servingChain.toArray(new X509Certificate[0])))
            .trustManager(cas.bundle(TrustDomain.SIGNET_API).toArray(new X509Certificate[0]))
            .clientAuth(ClientAuth.REQUIRE)
            .protocols("TLSv1.3", "TLSv1.2")
            .build();

    ExecutorService executor = Executors.newFixedThreadPool(limits.maxConcurrentCalls(), threads("signet-rpc"));
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(threads("signet-deadline"));
    HealthStatusManager health = new HealthStatusManager();

    CallLimitsInterceptor callLimits =
        new CallLimitsInterceptor(limits.maxConcurrentCalls(), limits.maxCallDuration(), timer);
    CallerInterceptor callers = new CallerInterceptor(RoleMapping.DEFAULT);
    AuthorizationInterceptor authorization = new AuthorizationInterceptor(methodAccess());

    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.listen().host(), config.listen().port()))
            .sslContext(tls)
            .executor(executor)
            .maxInboundMessageSize(limits.maxMessageBytes())
            .maxInboundMetadataSize(limits.maxMetadataBytes())
            .maxConcurrentCallsPerConnection(limits.maxCallsPerConnection())
            .handshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .maxConnectionIdle(limits.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
            .permitKeepAliveTime(1, TimeUnit.MINUTES)
            .permitKeepAliveWithoutCalls(false)
            // HTTP/2 rapid reset (CVE-2023-44487): close connections that cancel streams in bulk.
            .maxRstFramesPerWindow(200, 10)
            .addService(
                intercepted(new IssuanceService(issuer, cas).bindService(), callLimits, callers, authorization))
            .addService(intercepted(health.getHealthService().bindService(), callLimits, callers, authorization))
            .build()
            .start();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(IssuanceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    tokenHealth.onFailure(
        reason -> {
          health.setStatus("", ServingStatus.NOT_SERVING);
          health.setStatus(IssuanceGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
        });
    LOG.info("signetd listening on " + server.getListenSockets() + " (mutual TLS)");
    return new SignetServer(server, executor, timer, health);
  }

  /**
   * Who may call what. Issuance belongs to CA administrators; CA bundles and health reveal
   * nothing secret and are open to every authenticated caller.
   */
  static MethodAccess methodAccess() {
    Map<String, Set<Role>> table = new HashMap<>();
    for (MethodDescriptor<?, ?> method : IssuanceGrpc.getServiceDescriptor().getMethods()) {
      table.put(method.getFullMethodName(), EnumSet.of(Role.CA_ADMIN));
    }
    table.put(IssuanceGrpc.getGetCaBundlesMethod().getFullMethodName(), Set.of());
    table.put(HealthGrpc.getCheckMethod().getFullMethodName(), Set.of());
    table.put(HealthGrpc.getWatchMethod().getFullMethodName(), Set.of());
    return new MethodAccess(table);
  }

  /** Interceptors run in the order given: the first sees the call first. */
  private static ServerServiceDefinition intercepted(
      ServerServiceDefinition service, io.grpc.ServerInterceptor... inOrder) {
    List<io.grpc.ServerInterceptor> reversed = new java.util.ArrayList<>(List.of(inOrder));
    java.util.Collections.reverse(reversed);
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

  public int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops accepting calls, lets calls in flight finish (up to 10 s), then stops. */
  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    executor.shutdownNow();
    timer.shutdownNow();
  }
}
