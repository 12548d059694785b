package dev.signet.bench;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.JoinRequest;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.HalfOpenCalls;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.Loopback;
import dev.signet.server.testing.TestToken;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Legitimate issuance while the enrollment port is flooded, against the same without the flood, in
 * one run: a real signetd (child process, SoftHSM2 token, SQLite ledger, default limits) serves
 * operator callers issuing kubelet certificates over mutual TLS; then the same callers again while
 * this process floods the enrollment port from many loopback source addresses with bad joins (60
 * KiB node names, bad tokens, as fast as they are answered), idle TLS connections, and header-only
 * Join streams reopened as the daemon closes them at their deadline. Prints certificates/s, p50 and
 * p99 of both, their ratios, and what the flood sent and was answered. Target: throughput at least
 * 80 % of undisturbed, p99 at most twice.
 *
 * <p>Run with {@code bin/signet-bench abuse [SECONDS]} (default 20 measured seconds per phase).
 */
public final class AbuseBenchmark {
  private static final int CALLERS = 4;
  private static final Duration WARM_UP = Duration.ofSeconds(5);
  private static final int BAD_JOIN_THREADS = 4;
  private static final int BAD_JOIN_SOURCES = 8;
  private static final int IDLE_SOURCES = 48;
  private static final int IDLE_PER_SOURCE = 8;
  private static final int HALF_OPEN_SOURCES = 8;
  private static final int HALF_OPEN_PER_SOURCE = 4;
  private static final String SIXTY_KIB = "n".repeat(60 * 1024);

  private record Figures(double perSecond, double p50, double p99, long calls) {}

  private AbuseBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    Duration measure = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 20);
    TestToken token = TestToken.create(directory, "bench-abuse");
    Path instance = directory.resolve("bench-abuse");
    Path config = new DaemonConfig().shippedEnrollmentLimits().writeTo(token, instance);
    DaemonProcess.init(token, config);
    List<ByteString> csrs = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      csrs.add(Keys.csrBytes(Keys.ec()));
    }
    try (DaemonProcess daemon = DaemonProcess.serve(token, config);
        ApiClient operator = ApiClient.asOperator(instance, daemon.port())) {
      Path caBundle = instance.resolve("operator/ca.crt");
      System.out.println("== undisturbed: " + CALLERS + " operator callers");
      Figures quiet = issue(operator, csrs, measure);
      System.out.println("== flooded: the same, while the enrollment port is flooded");
      Flood flood = new Flood(daemon.enrollmentPort(), caBundle);
      flood.start();
      Figures flooded;
      try {
        flooded = issue(operator, csrs, measure);
      } finally {
        flood.stop();
      }
      System.out.println();
      System.out.printf(
          "%-12s %16s %9s %9s %8s%n", "", "certificates/s", "p50 ms", "p99 ms", "calls");
      print("undisturbed", quiet);
      print("flooded", flooded);
      double throughput = flooded.perSecond / quiet.perSecond;
      double p99 = flooded.p99 / quiet.p99;
      System.out.printf(
          "%nflooded/undisturbed: throughput %.0f %% (target >= 80 %%: %s), p99 %.2fx (target <="
              + " 2x: %s)%n",
          100 * throughput, throughput >= 0.8 ? "met" : "MISSED", p99, p99 <= 2 ? "met" : "MISSED");
      flood.report();
      System.out.println(
          "cores: "
              + Runtime.getRuntime().availableProcessors()
              + " (signetd, the callers and the flood share them), java "
              + System.getProperty("java.version"));
    }
  }

  private static void print(String name, Figures figures) {
    System.out.printf(
        "%-12s %16.1f %9.1f %9.1f %8d%n",
        name, figures.perSecond, figures.p50, figures.p99, figures.calls);
  }

  /** Issues with {@link #CALLERS} callers: a warm-up, then {@code measure} counted. */
  private static Figures issue(ApiClient operator, List<ByteString> csrs, Duration measure)
      throws InterruptedException {
    AtomicBoolean counting = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < CALLERS; t++) {
      Thread caller =
          new Thread(
              () -> {
                while (!stop.get()) {
                  int index = next.getAndIncrement() % csrs.size();
                  long start = System.nanoTime();
                  try {
                    operator
                        .issuance()
                        .issueKubeletClient(
                            IssueKubeletClientRequest.newBuilder()
                                .setNodeName("bench-" + index)
                                .setCsrDer(csrs.get(index))
                                .build());
                    if (counting.get()) {
                      latencies.add(System.nanoTime() - start);
                    }
                  } catch (StatusRuntimeException e) {
                    failures.incrementAndGet();
                    System.err.println("an operator issuance failed: " + e.getStatus());
                  }
                }
              });
      caller.setDaemon(true);
      caller.start();
      threads.add(caller);
    }
    Thread.sleep(WARM_UP.toMillis());
    counting.set(true);
    Thread.sleep(measure.toMillis());
    counting.set(false);
    stop.set(true);
    for (Thread thread : threads) {
      thread.join(60_000);
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " operator issuances failed");
    }
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    return new Figures(
        sorted.size() / (double) measure.toSeconds(),
        quantile(sorted, 0.50),
        quantile(sorted, 0.99),
        sorted.size());
  }

  private static double quantile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int index = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
    return sorted.get(Math.max(0, index)) / 1e6;
  }

  /** The attack on the enrollment port: bad joins, idle connections, half-open streams. */
  private static final class Flood {
    private final int port;
    private final Path caBundle;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<Status.Code, AtomicLong> joinAnswers = new ConcurrentHashMap<>();
    private final AtomicLong halfOpenOpened = new AtomicLong();
    private final Map<Status.Code, AtomicLong> halfOpenEnded = new ConcurrentHashMap<>();
    private final List<Socket> idle = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong idleRefused = new AtomicLong();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    Flood(int port, Path caBundle) {
      this.port = port;
      this.caBundle = caBundle;
    }

    void start() throws Exception {
      for (int s = 0; s < IDLE_SOURCES; s++) {
        for (int c = 0; c < IDLE_PER_SOURCE; c++) {
          try {
            idle.add(Loopback.idleHttp2Connection("127.0.2." + (s + 1), port));
          } catch (java.io.IOException refused) {
            idleRefused.incrementAndGet();
          }
        }
      }
      for (int t = 0; t < BAD_JOIN_THREADS; t++) {
        for (int s = t; s < BAD_JOIN_SOURCES; s += BAD_JOIN_THREADS) {
          ManagedChannel channel = Loopback.enrollmentChannel("127.0.1." + (s + 1), port, caBundle);
          channels.add(channel);
          thread(() -> badJoins(channel));
        }
      }
      for (int s = 0; s < HALF_OPEN_SOURCES; s++) {
        ManagedChannel channel = Loopback.enrollmentChannel("127.0.3." + (s + 1), port, caBundle);
        channels.add(channel);
        thread(() -> halfOpen(channel));
      }
      Thread.sleep(2000);
    }

    private void thread(Runnable body) {
      Thread thread = new Thread(body);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }

    private void badJoins(ManagedChannel channel) {
      var stub = BootstrapGrpc.newBlockingStub(channel);
      int i = 0;
      while (running.get()) {
        JoinRequest join =
            JoinRequest.newBuilder()
                .setToken(i++ % 2 == 0 ? "not-a-token" : "abcdefgh." + "a".repeat(32))
                .setNodeName(SIXTY_KIB)
                .addAddresses("10.0.0.1")
                .build();
        Status.Code code;
        try {
          stub.withDeadlineAfter(30, TimeUnit.SECONDS).join(join);
          code = Status.Code.OK;
        } catch (StatusRuntimeException e) {
          code = e.getStatus().getCode();
        }
        joinAnswers.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
      }
    }

    private void halfOpen(ManagedChannel channel) {
      String join = BootstrapGrpc.getJoinMethod().getFullMethodName();
      while (running.get()) {
        List<HalfOpenCalls.Held> held =
            HalfOpenCalls.open(channel, join, HALF_OPEN_PER_SOURCE, HalfOpenCalls.Sends.NOTHING);
        halfOpenOpened.addAndGet(held.size());
        for (HalfOpenCalls.Held call : held) {
          try {
            HalfOpenCalls.Ended ended = call.closed().get(120, TimeUnit.SECONDS);
            halfOpenEnded.computeIfAbsent(ended.code(), c -> new AtomicLong()).incrementAndGet();
          } catch (Exception e) {
            call.call().cancel("the benchmark ends", null);
          }
        }
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (ManagedChannel channel : channels) {
        channel.shutdownNow();
      }
      synchronized (idle) {
        for (Socket socket : idle) {
          try {
            socket.close();
          } catch (java.io.IOException ignored) {
            // closing anyway
          }
        }
      }
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    }

    void report() {
      System.out.printf(
          "flood: %d idle TLS connections held (%d refused at accept) from %d sources; bad"
              + " joins (60 KiB names) from %d sources answered %s; %d header-only Join streams"
              + " from %d sources, ended %s%n",
          idle.size(),
          idleRefused.get(),
          IDLE_SOURCES,
          BAD_JOIN_SOURCES,
          joinAnswers,
          halfOpenOpened.get(),
          HALF_OPEN_SOURCES,
          halfOpenEnded);
    }
  }
}
