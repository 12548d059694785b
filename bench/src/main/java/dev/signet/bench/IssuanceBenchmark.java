package dev.signet.bench;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.IssuanceGrpc.IssuanceBlockingStub;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.common.KeyAlgorithm;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestToken;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How close end-to-end issuance comes to the token's raw signing speed.
 *
 * <p>For each CA algorithm (ECDSA P-256, RSA-2048), in one run: raw signatures per second of the CA
 * key through SunPKCS11 in this JVM, then certificates per second through a real signetd (child
 * process) over mutual TLS on loopback, at 1, 4 and 16 concurrent callers; and the ratio. Every
 * request carries a distinct, pre-generated CSR (a repeated key would flatter the CSR check), and
 * every certificate is durably recorded in the daemon's SQLite ledger before it is returned, as in
 * production.
 *
 * <p>Run with {@code bin/signet-bench}; arguments: the token directory prepared by that script,
 * then optionally the measured seconds per step (default 8) and a directory for the ledgers
 * (default: beside the tokens; a tmpfs such as /dev/shm shows the daemon's cost without the disk's
 * fsync latency).
 */
public final class IssuanceBenchmark {
  private static final int[] CONCURRENCY = {1, 4, 16};
  private static final Duration WARM_UP = Duration.ofSeconds(3);

  private record Row(
      String algorithm,
      int callers,
      double signatures,
      double certificates,
      double p50,
      double p99) {}

  private IssuanceBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    Duration measure = Duration.ofSeconds(args.length > 1 ? Integer.parseInt(args[1]) : 8);
    Path ledgers = args.length > 2 ? Path.of(args[2]) : directory;
    List<Row> rows = new ArrayList<>();
    for (KeyAlgorithm algorithm : List.of(KeyAlgorithm.ECDSA_P256, KeyAlgorithm.RSA_2048)) {
      rows.addAll(measure(directory, ledgers, algorithm, measure));
    }
    System.out.println();
    System.out.printf(
        "%-11s %8s %18s %16s %7s %9s %9s%n",
        "CA key", "callers", "token signatures/s", "certificates/s", "ratio", "p50 ms", "p99 ms");
    for (Row row : rows) {
      System.out.printf(
          "%-11s %8d %18.0f %16.0f %6.1f%% %9.1f %9.1f%n",
          row.algorithm,
          row.callers,
          row.signatures,
          row.certificates,
          100 * row.certificates / row.signatures,
          row.p50,
          row.p99);
    }
    System.out.println(
        "\nratio = certificates/s through signetd (mTLS, CSR checks, lint, two durable ledger"
            + " commits, signature verification) / raw token signatures/s at the same concurrency.");
    System.out.println(
        "cores: "
            + Runtime.getRuntime().availableProcessors()
            + ", java "
            + System.getProperty("java.version")
            + ", ledgers in "
            + ledgers);
  }

  private static List<Row> measure(
      Path directory, Path ledgers, KeyAlgorithm algorithm, Duration measure) throws Exception {
    String label = "bench-" + algorithm.id();
    System.out.println("== " + algorithm + ": preparing CA and " + label);
    TestToken token = TestToken.create(directory, label);
    Path instance = directory.resolve(label);
    Path ledger = ledgers.resolve(label + "-" + System.nanoTime() + ".db");
    Path config =
        new DaemonConfig()
            .algorithm(algorithm.id())
            .ledgerUrl("jdbc:sqlite:" + ledger)
            .writeTo(token, instance);
    DaemonProcess.init(token, config);

    double[] signatures =
        TokenSignatures.perSecond(token, "kubernetes-ca", CONCURRENCY, measure, 600);

    List<Row> rows = new ArrayList<>();
    // Each request parses its CSR afresh, so reusing a CSR under another node name costs the
    // daemon as much as a new one would; 5,000 keeps the generation time short.
    List<ByteString> csrs = csrs(5_000);
    try (DaemonProcess daemon = DaemonProcess.serve(token, config);
        ApiClient client = ApiClient.asOperator(instance, daemon.port())) {
      AtomicInteger next = new AtomicInteger();
      for (int i = 0; i < CONCURRENCY.length; i++) {
        double[] result = issue(client, csrs, next, CONCURRENCY[i], measure);
        rows.add(
            new Row(
                algorithm.id(), CONCURRENCY[i], signatures[i], result[0], result[1], result[2]));
        System.out.printf(
            "   signetd %2d callers: %8.0f certificates/s%n", CONCURRENCY[i], result[0]);
      }
    }
    return rows;
  }

  /** Returns certificates/s, p50 and p99 latency in milliseconds. */
  private static double[] issue(
      ApiClient client, List<ByteString> csrs, AtomicInteger next, int callers, Duration measure)
      throws InterruptedException {
    List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    run(
        callers,
        measure,
        counting -> {
          IssuanceBlockingStub stub = client.issuance();
          int index = next.getAndIncrement() % csrs.size();
          long start = System.nanoTime();
          stub.issueKubeletClient(
              IssueKubeletClientRequest.newBuilder()
                  .setNodeName("bench-" + index)
                  .setCsrDer(csrs.get(index))
                  .build());
          if (counting) {
            latencies.add(System.nanoTime() - start);
          }
        });
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(null);
    return new double[] {
      sorted.size() / (double) measure.toSeconds(),
      sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2) / 1e6,
      sorted.isEmpty() ? 0 : sorted.get((int) (sorted.size() * 0.99)) / 1e6
    };
  }

  interface Operation {
    void run(boolean counting) throws Exception;
  }

  /** Runs {@code operation} on {@code threads} threads: a warm-up, then {@code measure} counted. */
  static void run(int threads, Duration measure, Operation operation) throws InterruptedException {
    AtomicBoolean counting = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  while (!stop.get()) {
                    operation.run(counting.get());
                  }
                } catch (Exception e) {
                  failures.incrementAndGet();
                  System.err.println("benchmark operation failed: " + e);
                } finally {
                  done.countDown();
                }
              });
      worker.setDaemon(true);
      worker.start();
    }
    Thread.sleep(WARM_UP.toMillis());
    counting.set(true);
    Thread.sleep(measure.toMillis());
    counting.set(false);
    stop.set(true);
    done.await();
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " benchmark threads failed");
    }
  }

  private static List<ByteString> csrs(int count) {
    System.out.println("   generating " + count + " distinct P-256 CSRs");
    List<ByteString> csrs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      csrs.add(Keys.csrBytes(Keys.ec()));
    }
    return csrs;
  }
}
