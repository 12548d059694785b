package dev.signet.server.testing;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueKubeletClientRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Concurrent issuance clients for fault tests. They send pre-generated P-256 CSRs ({@link #csrs},
 * made before any load starts, so that key generation does not compete with the daemon for the two
 * cores) round-robin over the targets (several replicas), each request under its own request id,
 * and write every certificate they receive to the {@link ReceivedLog} before going on. A failed
 * call is retried with the same request id and CSR on the next target, as a client should, up to
 * {@link #ATTEMPTS} times, then given up. Every loop is bounded in count.
 */
public final class IssuanceLoad {
  static final int ATTEMPTS = 3;
  private static final long BACKOFF_MILLIS = 50;

  private final List<ApiClient> targets;
  private final ReceivedLog log;
  private final String prefix;
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicIntegerArray successesByTarget;
  private final AtomicLong succeeded = new AtomicLong();
  private final Map<Status.Code, Integer> failures = new EnumMap<>(Status.Code.class);

  /**
   * The first failure of each code, with its cause: what a test reports when a code surprises it.
   */
  private final Map<Status.Code, String> firstFailures = new EnumMap<>(Status.Code.class);

  private final List<Throwable> errors = new ArrayList<>();
  private volatile boolean stopping;

  private IssuanceLoad(List<ApiClient> targets, ReceivedLog log, String prefix) {
    this.targets = List.copyOf(targets);
    this.log = log;
    this.prefix = prefix;
    this.successesByTarget = new AtomicIntegerArray(targets.size());
  }

  /** {@code count} distinct CSRs, each for a new P-256 key. */
  public static List<ByteString> csrs(int count) {
    return java.util.stream.IntStream.range(0, count)
        .parallel()
        .mapToObj(i -> Keys.csrBytes(Keys.ec()))
        .toList();
  }

  /**
   * Starts {@code threadCount} clients sending up to {@code requestsPerThread} requests each;
   * thread t sends CSRs t, t + threadCount, ... of {@code csrs} (again from the start when the pool
   * is used up, under new request ids). Request ids start with {@code prefix}, which must be unique
   * per load.
   */
  public static IssuanceLoad start(
      List<ApiClient> targets,
      ReceivedLog log,
      String prefix,
      List<ByteString> csrs,
      int threadCount,
      int requestsPerThread) {
    IssuanceLoad load = new IssuanceLoad(targets, log, prefix);
    for (int t = 0; t < threadCount; t++) {
      int thread = t;
      Thread worker =
          new Thread(
              () -> load.run(thread, threadCount, csrs, requestsPerThread),
              "issuance-load-" + prefix + "-" + t);
      worker.setDaemon(true);
      load.threads.add(worker);
      worker.start();
    }
    return load;
  }

  private void run(int thread, int threadCount, List<ByteString> csrs, int requests) {
    for (int i = 0; i < requests && !stopping; i++) {
      String requestId = prefix + "-t" + thread + "-" + i;
      ByteString csr = csrs.get((thread + i * threadCount) % csrs.size());
      for (int attempt = 0; attempt < ATTEMPTS && !stopping; attempt++) {
        int target = (thread + i + attempt) % targets.size();
        try {
          IssueCertificateResponse response =
              targets
                  .get(target)
                  .issuance()
                  .issueKubeletClient(
                      IssueKubeletClientRequest.newBuilder()
                          .setNodeName("load-" + thread)
                          .setRequestId(requestId)
                          .setCsrDer(csr)
                          .build());
          log.append(response.getCertificateDer().toByteArray(), requestId);
          successesByTarget.incrementAndGet(target);
          succeeded.incrementAndGet();
          break;
        } catch (StatusRuntimeException e) {
          synchronized (failures) {
            failures.merge(e.getStatus().getCode(), 1, Integer::sum);
            firstFailures.putIfAbsent(
                e.getStatus().getCode(),
                e.getMessage() + (e.getCause() == null ? "" : " <- " + e.getCause()));
          }
          pause();
        } catch (IOException | RuntimeException e) {
          synchronized (errors) {
            errors.add(e);
          }
          return;
        }
      }
    }
  }

  private void pause() {
    try {
      Thread.sleep(BACKOFF_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping = true;
    }
  }

  /** Certificates received so far. */
  public long succeeded() {
    return succeeded.get();
  }

  /** Certificates received from target {@code index}. */
  public int succeededAt(int index) {
    return successesByTarget.get(index);
  }

  /** Failed calls so far, by status code. */
  public Map<Status.Code, Integer> failures() {
    synchronized (failures) {
      return new EnumMap<>(failures);
    }
  }

  /** The first failure of each status code, described. */
  public Map<Status.Code, String> firstFailures() {
    synchronized (failures) {
      return new EnumMap<>(firstFailures);
    }
  }

  /** Waits until {@code more} further certificates arrived; false after {@code timeoutMillis}. */
  public boolean awaitMore(long more, long timeoutMillis) throws InterruptedException {
    return await(succeeded::get, more, timeoutMillis);
  }

  /** Waits until {@code more} further certificates arrived from target {@code index}. */
  public boolean awaitMoreAt(int index, long more, long timeoutMillis) throws InterruptedException {
    return await(() -> successesByTarget.get(index), more, timeoutMillis);
  }

  /** Waits until {@code more} further calls failed with {@code code}. */
  public boolean awaitFailures(Status.Code code, long more, long timeoutMillis)
      throws InterruptedException {
    return await(() -> failures().getOrDefault(code, 0), more, timeoutMillis);
  }

  private boolean await(LongSupplier count, long more, long timeoutMillis)
      throws InterruptedException {
    long goal = count.getAsLong() + more;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (count.getAsLong() < goal) {
      if (System.nanoTime() > deadline || !running()) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** Whether any client thread is still sending. */
  public boolean running() {
    return threads.stream().anyMatch(Thread::isAlive);
  }

  /** Stops the clients (calls in flight finish or fail) and rethrows what broke a client. */
  public void stop() throws InterruptedException {
    stopping = true;
    for (Thread thread : threads) {
      thread.join(60_000);
      if (thread.isAlive()) {
        throw new IllegalStateException(thread.getName() + " did not stop within 60 s");
      }
    }
    synchronized (errors) {
      if (!errors.isEmpty()) {
        UncheckedIOException failure =
            new UncheckedIOException(new IOException("a load client failed", errors.get(0)));
        errors.stream().skip(1).forEach(failure::addSuppressed);
        throw failure;
      }
    }
  }

  /** Every CA certificate the daemon behind {@code client} uses, for checking signatures. */
  public static List<X509Certificate> caCertificates(ApiClient client) throws IOException {
    List<X509Certificate> cas = new ArrayList<>();
    for (var bundle :
        client.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance()).getBundlesList()) {
      for (ByteString der : bundle.getCertificatesDerList()) {
        cas.add(ReceivedLog.parse(der.toByteArray()));
      }
    }
    return cas;
  }
}
