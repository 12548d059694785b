package dev.signet.server.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.Role;
import dev.signet.server.grpc.RetryHint;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Admission under saturation: node credentials flood the API with renewals (one of them with many
 * threads at once) while a ca-admin keeps issuing. The ca-admin is never refused; the greedy node
 * holds at most its share, the other nodes are still served; refused nodes get RESOURCE_EXHAUSTED
 * with a retry hint and, as the agent does, come back after it with jitter. Bounded: 5 s of load
 * (saturated from the first second), longer only until every caller has been served or refused as
 * the checks expect, at most 120 s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionIT {
  private static final int QUIET_NODES = 6;
  private static final int GREEDY_THREADS = 16;
  private static final long LOAD_SECONDS = 5;
  private static final long MAX_LOAD_SECONDS = 120;

  private TestDaemon daemon;

  @BeforeAll
  void start() throws Exception {
    daemon =
        TestDaemon.start(
            "admission",
            new DaemonConfig()
                .extra(
                    """
                    limits:
                      maxConcurrentCalls: 16
                      reservedCaAdminCalls: 4
                      maxNodeCalls: 6
                      maxCallsPerCredential: 2"""));
  }

  @AfterAll
  void stop() throws Exception {
    daemon.close();
  }

  @Test
  void caAdminIsServedAndNoNodeStarvesTheOthersWhileNodesSaturateTheDaemon() throws Exception {
    List<ApiClient> clients = new ArrayList<>();
    ApiClient greedy = daemon.connectAs(Role.ROLE_NODE, "system:node:greedy", "192.0.2.80");
    clients.add(greedy);
    List<String> quiet = new ArrayList<>();
    for (int i = 0; i < QUIET_NODES; i++) {
      quiet.add("quiet-" + i);
      clients.add(daemon.connectAs(Role.ROLE_NODE, "system:node:quiet-" + i, "192.0.2.8" + i));
    }
    Map<String, Tally> tallies = new ConcurrentHashMap<>();
    AtomicBoolean loading = new AtomicBoolean(true);
    ExecutorService threads = Executors.newFixedThreadPool(GREEDY_THREADS + QUIET_NODES);
    List<Future<?>> load = new ArrayList<>();
    try {
      for (int i = 0; i < GREEDY_THREADS; i++) {
        load.add(threads.submit(() -> renewUntilStopped(greedy, "greedy", tallies, loading)));
      }
      for (int i = 0; i < QUIET_NODES; i++) {
        ApiClient node = clients.get(i + 1);
        String name = quiet.get(i);
        load.add(threads.submit(() -> renewUntilStopped(node, name, tallies, loading)));
      }
      Tally admin = new Tally();
      // at least LOAD_SECONDS, and on until every caller has met what the assertions look for
      // (a busy machine serves fewer calls a second): an event, bounded by MAX_LOAD_SECONDS
      long loadStart = System.nanoTime();
      while (System.nanoTime() - loadStart < TimeUnit.SECONDS.toNanos(LOAD_SECONDS)
          || (!everyoneMet(admin, tallies, quiet)
              && System.nanoTime() - loadStart < TimeUnit.SECONDS.toNanos(MAX_LOAD_SECONDS))) {
        long start = System.nanoTime();
        try {
          daemon
              .operator()
              .issuance()
              .issueKubeletClient(
                  IssueKubeletClientRequest.newBuilder()
                      .setCsrDer(Keys.csrBytes(Keys.ec()))
                      .setNodeName("admin-issued")
                      .build());
          admin.served(System.nanoTime() - start);
        } catch (StatusRuntimeException e) {
          admin.refused(e);
        }
      }
      loading.set(false);
      long loadedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - loadStart);
      for (Future<?> thread : load) {
        thread.get(60, TimeUnit.SECONDS);
      }

      Tally greedyTally = tallies.get("greedy");
      System.out.printf(
          "admission under node saturation (%d s; 16 slots, 4 kept for ca-admin, nodes share 6,"
              + " 2 each):%n  ca-admin: %s%n  greedy node (%d threads): %s%n",
          loadedSeconds, admin, GREEDY_THREADS, greedyTally);
      for (String name : quiet) {
        System.out.printf("  %s (1 thread): %s%n", name, tallies.get(name));
      }
      assertEquals(0, admin.refusedCount(), "the ca-admin was refused: " + admin);
      assertTrue(admin.servedCount() > 0, "the ca-admin was served");
      assertTrue(
          greedyTally.refusedCount() > 0,
          "the greedy node was held to its share (its 16 threads met refusals): " + greedyTally);
      assertEquals(
          greedyTally.refusedCount(),
          greedyTally.hinted(),
          "every refusal for lack of room carried a retry hint");
      for (String name : quiet) {
        assertTrue(tallies.get(name).servedCount() > 0, name + " was starved");
      }
    } finally {
      loading.set(false);
      threads.shutdownNow();
      for (ApiClient client : clients) {
        client.close();
      }
    }
  }

  /** The ca-admin and every quiet node served, the greedy node refused at least once. */
  private static boolean everyoneMet(Tally admin, Map<String, Tally> tallies, List<String> quiet) {
    Tally greedy = tallies.get("greedy");
    return admin.servedCount() > 0
        && greedy != null
        && greedy.refusedCount() > 0
        && quiet.stream()
            .allMatch(name -> tallies.containsKey(name) && tallies.get(name).servedCount() > 0);
  }

  /**
   * Renews the node's kubelet client certificate in a loop; after a refusal, waits as the agent.
   */
  private static Void renewUntilStopped(
      ApiClient node, String name, Map<String, Tally> tallies, AtomicBoolean loading)
      throws InterruptedException {
    Tally tally = tallies.computeIfAbsent(name, n -> new Tally());
    while (loading.get()) {
      long start = System.nanoTime();
      try {
        node.issuance()
            .issueKubeletClient(
                IssueKubeletClientRequest.newBuilder()
                    .setCsrDer(Keys.csrBytes(Keys.ec()))
                    .setNodeName(name)
                    .build());
        tally.served(System.nanoTime() - start);
      } catch (StatusRuntimeException e) {
        tally.refused(e);
        String hint =
            e.getTrailers() == null ? null : e.getTrailers().get(RetryHint.RETRY_AFTER_MS);
        long wait = hint == null ? 100 : Long.parseLong(hint);
        Thread.sleep(Math.round(wait * (1 + ThreadLocalRandom.current().nextDouble())));
      }
    }
    return null;
  }

  /** Calls served (with their latencies) and refused, of one caller. */
  private static final class Tally {
    private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong hinted = new AtomicLong();
    private final AtomicLong other = new AtomicLong();

    void served(long nanos) {
      latencies.add(nanos);
    }

    void refused(StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.RESOURCE_EXHAUSTED) {
        other.incrementAndGet();
        throw e;
      }
      refused.incrementAndGet();
      if (e.getTrailers() != null && e.getTrailers().containsKey(RetryHint.RETRY_AFTER_MS)) {
        hinted.incrementAndGet();
      }
    }

    long servedCount() {
      return latencies.size();
    }

    long refusedCount() {
      return refused.get();
    }

    long hinted() {
      return hinted.get();
    }

    @Override
    public String toString() {
      List<Long> sorted;
      synchronized (latencies) {
        sorted = new ArrayList<>(latencies);
      }
      Collections.sort(sorted);
      return sorted.size()
          + " served (p50 "
          + millis(sorted, 0.50)
          + " ms, p99 "
          + millis(sorted, 0.99)
          + " ms), "
          + refused.get()
          + " refused RESOURCE_EXHAUSTED";
    }

    private static String millis(List<Long> sorted, double quantile) {
      if (sorted.isEmpty()) {
        return "-";
      }
      int index = (int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1);
      return String.format("%.1f", sorted.get(Math.max(0, index)) / 1e6);
    }
  }
}
