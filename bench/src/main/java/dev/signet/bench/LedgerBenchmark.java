package dev.signet.bench;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.jdbc.JdbcCertificateStore;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.testing.TestSeals;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the ledger costs per certificate, without the network, TLS or the token: WRITERS threads
 * each record an intent and then the issued certificate, with their audit events, through the
 * production {@link JdbcCertificateStore} and its group commit, on a SQLite file on the disk
 * (synchronous=FULL). Prints certificates/s, the commit batches' mean size, and the CPU per
 * certificate of the ledger's writer thread and of the whole process; the writer thread is the
 * third of signetd's CPU that the full benchmarks cannot tell apart from their noise.
 */
public final class LedgerBenchmark {
  private static final String ISSUER = "bench-issuer-key";
  private static final int ROUNDS = 3;

  private LedgerBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    Duration window = Duration.ofSeconds(Integer.parseInt(args[1]));
    int writers = Integer.parseInt(args[2]);
    SignetdConfig.Ledger config =
        new SignetdConfig.Ledger(
            "jdbc:sqlite:" + directory.resolve("bench-ledger.db"),
            Optional.empty(),
            Optional.empty());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (Database database = Database.open(config)) {
      AtomicLong commits = new AtomicLong();
      AtomicLong writes = new AtomicLong();
      database.observeCommits(
          (batch, nanos) -> {
            commits.incrementAndGet();
            writes.addAndGet(batch);
          });
      JdbcCertificateStore ledger = new JdbcCertificateStore(database, TestSeals.keyed());
      long writer = writerThread(threads);
      System.out.printf(
          "%d writers, SQLite on the disk; %d rounds of %d s after a warm-up of %d s%n",
          writers, ROUNDS, window.toSeconds(), 2 * window.toSeconds());
      run(ledger, writers, window.multipliedBy(2));
      System.out.printf(
          "%-6s %10s %12s %16s %17s%n",
          "round", "certs/s", "batch size", "writer ms/cert", "process ms/cert");
      for (int round = 1; round <= ROUNDS; round++) {
        long writerBefore = threads.getThreadCpuTime(writer);
        long processBefore = processCpuNanos();
        long commitsBefore = commits.get();
        long writesBefore = writes.get();
        long start = System.nanoTime();
        long certificates = run(ledger, writers, window);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "%-6d %10.0f %12.2f %16.3f %17.3f%n",
            round,
            certificates / seconds,
            (writes.get() - writesBefore) / (double) (commits.get() - commitsBefore),
            (threads.getThreadCpuTime(writer) - writerBefore) / 1e6 / certificates,
            (processCpuNanos() - processBefore) / 1e6 / certificates);
      }
    }
  }

  /** Records intents and issued certificates on {@code writers} threads for {@code length}. */
  private static long run(JdbcCertificateStore ledger, int writers, Duration length)
      throws InterruptedException {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong done = new AtomicLong();
    List<Thread> running = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      Thread thread =
          new Thread(
              () -> {
                SecureRandom random = new SecureRandom();
                byte[] tbs = new byte[364];
                byte[] certificate = new byte[454];
                try {
                  while (!stop.get()) {
                    record(ledger, random, tbs, certificate);
                    done.incrementAndGet();
                  }
                } catch (Exception e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              });
      thread.start();
      running.add(thread);
    }
    Thread.sleep(length.toMillis());
    stop.set(true);
    for (Thread thread : running) {
      thread.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a writer failed", failures.get(0));
    }
    return done.get();
  }

  /** One certificate's two writes, as the issuance pipeline makes them. */
  private static void record(
      JdbcCertificateStore ledger, SecureRandom random, byte[] tbs, byte[] certificate)
      throws Exception {
    byte[] serialBytes = new byte[16];
    random.nextBytes(serialBytes);
    serialBytes[0] &= 0x7f;
    random.nextBytes(tbs);
    random.nextBytes(certificate);
    String serial = HexFormat.of().formatHex(serialBytes);
    String requestId = UUID.randomUUID().toString();
    String node = "bench-" + serial.substring(0, 8);
    byte[] requestHash = new byte[32];
    random.nextBytes(requestHash);
    Instant now = Instant.now();
    ledger.recordIntent(
        new CertificateStore.Intent(
            ISSUER,
            serial,
            Profile.KUBELET_CLIENT,
            TrustDomain.KUBERNETES,
            "operator",
            requestId,
            requestHash,
            node,
            "O=system:nodes,CN=system:node:" + node,
            now.minusSeconds(300),
            now.plus(Duration.ofDays(365)),
            tbs,
            now,
            ""),
        event(now, AuditEvent.Decision.SIGNING, "INTENT", serial, requestId, node));
    ledger.recordIssued(
        ISSUER,
        serial,
        certificate,
        Instant.now(),
        event(now, AuditEvent.Decision.APPROVED, "ISSUED", serial, requestId, node));
  }

  private static AuditEvent event(
      Instant at,
      AuditEvent.Decision decision,
      String reason,
      String serial,
      String requestId,
      String node) {
    return new AuditEvent(
        at,
        "operator",
        "ca-admin",
        "issue",
        Profile.KUBELET_CLIENT.id(),
        node,
        decision,
        reason,
        "ledger benchmark",
        serial,
        requestId,
        "");
  }

  private static long writerThread(ThreadMXBean threads) {
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().equals("signet-ledger-writer")) {
        return info.getThreadId();
      }
    }
    throw new IllegalStateException("no ledger writer thread");
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
