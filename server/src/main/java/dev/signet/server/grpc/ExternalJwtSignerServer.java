package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.serviceaccount.KeySet;
import dev.signet.server.serviceaccount.SigningRefused;
import dev.signet.server.serviceaccount.TokenSigner;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.logging.Logger;
import v1.Api.FetchKeysRequest;
import v1.Api.FetchKeysResponse;
import v1.Api.Key;
import v1.Api.MetadataRequest;
import v1.Api.MetadataResponse;
import v1.Api.SignJWTRequest;
import v1.Api.SignJWTResponse;

/**
 * Kubernetes' ExternalJWTSigner (KEP-740) on a unix socket: kube-apiserver ({@code
 * --service-account-signing-endpoint}) calls Sign for every service-account token, FetchKeys for
 * the keys it verifies them with, Metadata once at start. Both API versions are served, {@code
 * v1.ExternalJWTSigner} and {@code v1alpha1.ExternalJWTSigner} (kube-apiserver 1.32 and 1.33 speak
 * only the latter); their messages are identical on the wire, so v1alpha1 is v1's handlers under
 * v1alpha1's method names.
 *
 * <p>The socket is the trust boundary (no TLS, as kube-apiserver dials it): it is created under a
 * temporary name, given its mode and owner, and only then renamed into place, so that it is never
 * reachable with looser permissions. A stale socket left by a crash is replaced; any other file at
 * the path is refused.
 */
public final class ExternalJwtSignerServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ExternalJwtSignerServer.class.getName());

  private final Server server;
  private final Path socket;
  private final ExecutorService executor;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  private ExternalJwtSignerServer(
      Server server,
      Path socket,
      ExecutorService executor,
      EventLoopGroup boss,
      EventLoopGroup workers) {
    this.server = server;
    this.socket = socket;
    this.executor = executor;
    this.boss = boss;
    this.workers = workers;
  }

  /** Serves {@code signer} and {@code keys} on {@code config.socket()}. */
  public static ExternalJwtSignerServer start(
      SignetdConfig.ServiceAccount config,
      TokenSigner signer,
      Supplier<KeySet> keys,
      SignetdConfig.Limits limits)
      throws IOException {
    Path socket = config.socket().orElseThrow();
    if (!Epoll.isAvailable()) {
      throw new IOException(
          "the service-account signing socket needs Linux epoll: " + Epoll.unavailabilityCause());
    }
    Path directory = socket.toAbsolutePath().getParent();
    if (!Files.isDirectory(directory)) {
      throw new IOException(
          "the directory of serviceAccount.socket, " + directory + ", does not exist");
    }
    removeStaleSocket(socket);
    byte[] nonce = new byte[6];
    new SecureRandom().nextBytes(nonce);
    Path staging =
        directory.resolve(
            "." + socket.getFileName() + "." + HexFormat.of().formatHex(nonce) + ".tmp");

    ServerServiceDefinition v1 = new Service(signer, keys, config.refreshHint()).bindService();
    ExecutorService executor =
        Executors.newFixedThreadPool(limits.maxConcurrentCalls(), threads("signet-sa-sign"));
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    Server server;
    try {
      server =
          NettyServerBuilder.forAddress(new DomainSocketAddress(staging.toString()))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(boss)
              .workerEventLoopGroup(workers)
              .executor(executor)
              .maxInboundMessageSize(limits.maxMessageBytes())
              .maxInboundMetadataSize(limits.maxMetadataBytes())
              .maxConcurrentCallsPerConnection(limits.maxConcurrentCalls())
              .addService(v1)
              .addService(renamed(v1, v1alpha1.ExternalJWTSignerGrpc.SERVICE_NAME))
              .build()
              .start();
    } catch (IOException | RuntimeException e) {
      shutdown(executor, boss, workers);
      throw e;
    }
    try {
      Files.setPosixFilePermissions(staging, config.socketMode());
      PosixFileAttributeView attributes =
          Files.getFileAttributeView(staging, PosixFileAttributeView.class);
      UserPrincipalLookupService principals =
          staging.getFileSystem().getUserPrincipalLookupService();
      if (config.socketOwner().isPresent()) {
        attributes.setOwner(principals.lookupPrincipalByName(config.socketOwner().get()));
      }
      if (config.socketGroup().isPresent()) {
        GroupPrincipal group = principals.lookupPrincipalByGroupName(config.socketGroup().get());
        attributes.setGroup(group);
      }
      Files.move(staging, socket, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      shutdown(executor, boss, workers);
      Files.deleteIfExists(staging);
      throw new IOException(
          "cannot give the service-account socket "
              + socket
              + " its mode and owner: "
              + e.getMessage(),
          e);
    }
    LOG.info(
        "service-account token signer (ExternalJWTSigner v1, v1alpha1) on unix socket " + socket);
    return new ExternalJwtSignerServer(server, socket, executor, boss, workers);
  }

  /** A socket at {@code path} (what a crashed signetd leaves) is removed; any other file stays. */
  private static void removeStaleSocket(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isSymbolicLink(path)
        || Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
        || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(
          "serviceAccount.socket "
              + path
              + " exists and is not a socket; remove it or choose another path");
    }
    Files.delete(path);
  }

  /** The same handlers under another service name (v1alpha1's, identical on the wire). */
  private static ServerServiceDefinition renamed(ServerServiceDefinition service, String name) {
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(name);
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      builder.addMethod(renamed(method, name));
    }
    return builder.build();
  }

  private static <Q, R> ServerMethodDefinition<Q, R> renamed(
      ServerMethodDefinition<Q, R> method, String service) {
    MethodDescriptor<Q, R> descriptor =
        method.getMethodDescriptor().toBuilder()
            .setFullMethodName(
                MethodDescriptor.generateFullMethodName(
                    service, method.getMethodDescriptor().getBareMethodName()))
            .setSchemaDescriptor(null)
            .build();
    return ServerMethodDefinition.create(descriptor, method.getServerCallHandler());
  }

  /** The socket's path. */
  public Path socket() {
    return socket;
  }

  /** Stops accepting calls, lets calls in flight finish (up to 10 s), removes the socket. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    shutdown(executor, boss, workers);
    try {
      if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)
          && !Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS)) {
        Files.delete(socket);
      }
    } catch (IOException e) {
      LOG.warning("cannot remove the service-account socket " + socket + ": " + e.getMessage());
    }
  }

  private static void shutdown(
      ExecutorService executor, EventLoopGroup boss, EventLoopGroup workers) {
    executor.shutdownNow();
    for (EventLoopGroup group : List.of(boss, workers)) {
      if (!group
          .shutdownGracefully(0, 1, TimeUnit.SECONDS)
          .awaitUninterruptibly(5, TimeUnit.SECONDS)) {
        LOG.warning("the service-account socket's event loops did not stop within 5 s");
      }
    }
  }

  private static java.util.concurrent.ThreadFactory threads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The three RPCs, on one key set read per call. */
  private static final class Service extends v1.ExternalJWTSignerGrpc.ExternalJWTSignerImplBase {
    private final TokenSigner signer;
    private final Supplier<KeySet> keys;
    private final java.time.Duration refreshHint;

    Service(TokenSigner signer, Supplier<KeySet> keys, java.time.Duration refreshHint) {
      this.signer = signer;
      this.keys = keys;
      this.refreshHint = refreshHint;
    }

    @Override
    public void sign(SignJWTRequest request, StreamObserver<SignJWTResponse> out) {
      TokenSigner.Signed signed;
      try {
        signed = signer.sign(request.getClaims());
      } catch (SigningRefused refused) {
        Status status =
            switch (refused.reason()) {
              case INVALID_CLAIMS -> Status.INVALID_ARGUMENT;
              case RATE_LIMITED, BUSY -> Status.RESOURCE_EXHAUSTED;
              case TOKEN_UNAVAILABLE -> Status.UNAVAILABLE;
            };
        out.onError(status.withDescription(refused.getMessage()).asRuntimeException());
        return;
      }
      out.onNext(
          SignJWTResponse.newBuilder()
              .setHeader(signed.header())
              .setSignature(signed.signature())
              .build());
      out.onCompleted();
    }

    @Override
    public void fetchKeys(FetchKeysRequest request, StreamObserver<FetchKeysResponse> out) {
      KeySet set = keys.get();
      FetchKeysResponse.Builder response =
          FetchKeysResponse.newBuilder()
              .setDataTimestamp(timestamp(set.dataTimestamp()))
              .setRefreshHintSeconds(refreshHint.toSeconds());
      for (KeySet.PublishedKey key : set.published()) {
        response.addKeys(
            Key.newBuilder()
                .setKeyId(key.keyId())
                .setKey(ByteString.copyFrom(key.publicKeyDer()))
                .setExcludeFromOidcDiscovery(key.excludeFromOidcDiscovery()));
      }
      out.onNext(response.build());
      out.onCompleted();
    }

    @Override
    public void metadata(MetadataRequest request, StreamObserver<MetadataResponse> out) {
      out.onNext(
          MetadataResponse.newBuilder()
              .setMaxTokenExpirationSeconds(signer.maxTokenExpiration().toSeconds())
              .build());
      out.onCompleted();
    }

    private static Timestamp timestamp(Instant instant) {
      return Timestamp.newBuilder()
          .setSeconds(instant.getEpochSecond())
          .setNanos(instant.getNano())
          .build();
    }
  }
}
