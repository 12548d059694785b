package dev.signet.bench;

import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.TestToken;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import v1.Api.SignJWTRequest;
import v1.ExternalJWTSignerGrpc;

/**
 * What signing service-account tokens through signetd costs against the token's own signatures: raw
 * signatures/s of the service-account key through SunPKCS11, then Sign calls/s with p50 and p99
 * latency through the ExternalJWTSigner unix socket of a signetd process (claims checked, rate
 * limiter, header, JWS encoding, counting), for ES256 and RS256 keys at 1, 4 and 16 callers.
 * kube-apiserver signs one token per Sign call.
 */
public final class SaSignBenchmark {
  private static final int[] CONCURRENCY = {1, 4, 16};

  private SaSignBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    Duration measure = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 8);
    List<String> rows = new ArrayList<>();
    for (String algorithm : List.of("es256", "rs256")) {
      rows.addAll(measure(directory, algorithm, measure));
    }
    System.out.printf(
        "%n%-6s %7s %14s %12s %10s %10s%n",
        "key", "callers", "token sig/s", "Sign/s", "p50 ms", "p99 ms");
    rows.forEach(System.out::println);
    System.out.println(
        "\n"
            + Runtime.getRuntime().availableProcessors()
            + " CPUs, java "
            + System.getProperty("java.version")
            + ", "
            + measure.toSeconds()
            + " s per step");
  }

  private static List<String> measure(Path directory, String algorithm, Duration measure)
      throws Exception {
    String label = "bench-sa-" + algorithm;
    System.out.println("== " + algorithm + ": preparing " + label);
    TestToken token = TestToken.create(directory, label);
    Path instance = directory.resolve(label);
    Path socket = instance.resolve("sa-signer.sock").toAbsolutePath();
    Path config =
        new DaemonConfig()
            .extra(
                String.join(
                    "\n",
                    "serviceAccount:",
                    "  socket: " + socket,
                    "  algorithm: " + algorithm,
                    // far above what this machine signs: the limiter is measured, not hit
                    "  maxSignsPerSecond: 100000",
                    ""))
            .writeTo(token, instance);
    DaemonProcess.init(token, config);

    double[] signatures =
        TokenSignatures.perSecond(token, "signet-service-account", CONCURRENCY, measure, 700);

    List<String> rows = new ArrayList<>();
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    try (DaemonProcess daemon = DaemonProcess.serve(token, config)) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
              .channelType(EpollDomainSocketChannel.class)
              .eventLoopGroup(loop)
              .usePlaintext()
              .overrideAuthority("localhost")
              .build();
      try {
        ExternalJWTSignerGrpc.ExternalJWTSignerBlockingStub signer =
            ExternalJWTSignerGrpc.newBlockingStub(channel).withWaitForReady();
        SignJWTRequest request = SignJWTRequest.newBuilder().setClaims(claims()).build();
        // not measured: the first call waits until the socket accepts, then the daemon warms up
        signer.withDeadlineAfter(60, TimeUnit.SECONDS).sign(request);
        IssuanceBenchmark.run(
            4, measure, counting -> signer.withDeadlineAfter(30, TimeUnit.SECONDS).sign(request));
        for (int i = 0; i < CONCURRENCY.length; i++) {
          List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
          IssuanceBenchmark.run(
              CONCURRENCY[i],
              measure,
              counting -> {
                long start = System.nanoTime();
                signer.withDeadlineAfter(30, TimeUnit.SECONDS).sign(request);
                if (counting) {
                  latencies.add(System.nanoTime() - start);
                }
              });
          List<Long> sorted = new ArrayList<>(latencies);
          sorted.sort(null);
          double perSecond = sorted.size() / (double) measure.toSeconds();
          System.out.printf("   socket %2d callers: %8.0f Sign/s%n", CONCURRENCY[i], perSecond);
          rows.add(
              String.format(
                  "%-6s %7d %14.0f %12.0f %10.2f %10.2f",
                  algorithm.toUpperCase(java.util.Locale.ROOT),
                  CONCURRENCY[i],
                  signatures[i],
                  perSecond,
                  percentile(sorted, 0.5),
                  percentile(sorted, 0.99)));
        }
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    } finally {
      loop.shutdownGracefully().await(10, TimeUnit.SECONDS);
    }
    return rows;
  }

  private static double percentile(List<Long> sorted, double fraction) {
    return sorted.isEmpty() ? 0 : sorted.get((int) ((sorted.size() - 1) * fraction)) / 1e6;
  }

  /** Claims as kube-apiserver sends them for a one-hour bound token, base64url. */
  private static String claims() {
    long now = Instant.now().getEpochSecond();
    String json =
        "{\"aud\":[\"https://kubernetes.default.svc.cluster.local\"],\"exp\":"
            + (now + 3600)
            + ",\"iat\":"
            + now
            + ",\"iss\":\"https://kubernetes.default.svc.cluster.local\","
            + "\"kubernetes.io\":{\"namespace\":\"default\",\"serviceaccount\":{\"name\":\"default\","
            + "\"uid\":\"6d0c1b2a-0000-4000-8000-000000000001\"}},\"nbf\":"
            + now
            + ",\"sub\":\"system:serviceaccount:default:default\"}";
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.US_ASCII));
  }
}
