package dev.signet.bench;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.IssueApiCredentialRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.RenewApiCredentialRequest;
import dev.signet.api.v1.Role;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestToken;
import dev.signet.server.x509.X509;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslSessionContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Renewals per minute signetd sustains for a fleet of nodes (5,000 by default), and what it costs
 * the daemon in CPU and memory while doing it.
 *
 * <p>The daemon is a real signetd child process with a SoftHSM2 token and the embedded SQLite
 * ledger, on the disk and then on /dev/shm (tmpfs), so that the disk's fsync cost shows apart.
 * Every simulated node has its own Signet API credential (CN system:node:NAME, role node, its
 * addresses registered), issued up front by the operator with {@code IssueApiCredential}: the same
 * credential a bootstrap join gives, at a third of the calls, and enrolment is not what is
 * measured.
 *
 * <p>What one node's agent does when it wakes up (a "round"), replayed as such: a NEW mutual-TLS
 * connection with the node's own credential (renewals are tens of minutes apart, so a real agent's
 * idle connection is long gone: every round pays a TCP connection and a full TLS handshake, never a
 * resumed session), {@code GetCaBundles} (to refresh the CA files), then {@code IssueKubeletClient}
 * and {@code IssueKubeletServing}, and on one round in 24 {@code RenewApiCredential}, whose new key
 * the node uses from its next round on. Certificates last {@link #KUBELET_LIFETIME} and credentials
 * {@link #CREDENTIAL_LIFETIME}, and both are renewed at two thirds of their lifetime, as the agent
 * does.
 *
 * <p>Two loads. Saturation: {@link #AGENTS} agents at once, each starting the next node's round as
 * soon as its last one ends, cycling through the whole fleet (every round a different node, a
 * different identity): the renewals per minute the daemon sustains. Paced: the fleet's own schedule
 * for 1-hour certificates, open loop (each round starts at its due time whatever the others do),
 * which is the load such a fleet really puts on the daemon.
 *
 * <p>The generator runs in this JVM on the same two cores, and its CPU is measured like the
 * daemon's (process CPU time over wall time), with what the rest of the machine used in the same
 * window, so that a busy neighbour shows. What the generator leaves out because 5,000 real nodes
 * would do it on their own CPUs: kubelet key pairs come from a pool made beforehand (the daemon
 * parses and checks each CSR afresh either way), each node's TLS settings are built once per
 * credential, as a long-running agent keeps them (building them costs this JVM about 9 ms of CPU),
 * and nothing is written to disk.
 */
public final class FleetBenchmark {
  static final Duration KUBELET_LIFETIME = Duration.ofHours(1);
  static final Duration CREDENTIAL_LIFETIME = Duration.ofHours(24);
  private static final int CREDENTIAL_EVERY =
      (int) (CREDENTIAL_LIFETIME.toMinutes() / KUBELET_LIFETIME.toMinutes());
  private static final int AGENTS = 32;

  /**
   * Before saturation is measured: on two cores shared by 32 agents and the daemon, the JIT takes
   * over a minute to settle (the rate climbs for about 80 s, printed as it goes).
   */
  private static final Duration SATURATION_WARM_UP = Duration.ofSeconds(90);

  /** The paced fleet runs on a warm daemon; this only lets the schedule get going. */
  private static final Duration PACED_WARM_UP = Duration.ofSeconds(10);

  private static final int CSR_POOL = 4096;

  /**
   * One node: its name, addresses and its current credential, loaded into client TLS settings
   * (replaced when it renews the credential); for the bursts, TLS settings that keep a session to
   * resume, and a connection kept open.
   */
  private static final class Node {
    final int index;
    final String name;
    final List<String> addresses;
    volatile SslContext tls;
    volatile SslContext resumable;
    volatile ApiClient kept;
    int rounds;

    Node(int index) {
      this.index = index;
      this.name = String.format("fleet-%05d", index);
      this.addresses =
          List.of(
              "10." + (index >> 16) + "." + ((index >> 8) & 255) + "." + (index & 255),
              name + ".fleet.test");
    }
  }

  /** One burst: every node's kubelet round at once, connected one way. */
  private record Burst(
      String connections,
      double seconds,
      long renewals,
      double p50,
      double p99,
      double daemonCpuSeconds,
      long resumedSessions,
      int failures) {}

  private record Row(
      String ledger,
      String load,
      double renewalsPerMinute,
      double roundsPerMinute,
      double p50,
      double p99,
      double daemonCores,
      long daemonRssMb,
      long daemonPeakMb,
      double generatorCores,
      double otherCores,
      int failures) {}

  private final List<Node> nodes;
  private final List<ByteString> csrs;
  private final AtomicInteger nextCsr = new AtomicInteger();
  private final X509Certificate[] signetApiCa;
  private final int port;

  private FleetBenchmark(
      List<Node> nodes, List<ByteString> csrs, X509Certificate[] signetApiCa, int port) {
    this.nodes = nodes;
    this.csrs = csrs;
    this.signetApiCa = signetApiCa;
    this.port = port;
  }

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    int fleet = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    Duration measure = Duration.ofSeconds(args.length > 2 ? Integer.parseInt(args[2]) : 60);
    System.out.println("== generating " + CSR_POOL + " kubelet CSRs (P-256)");
    List<ByteString> csrs = new ArrayList<>(CSR_POOL);
    for (int i = 0; i < CSR_POOL; i++) {
      csrs.add(Keys.csrBytes(Keys.ec()));
    }
    List<Row> rows = new ArrayList<>();
    List<Burst> bursts = new ArrayList<>();
    rows.addAll(run(directory, "disk", directory, fleet, measure, csrs, bursts));
    rows.addAll(run(directory, "tmpfs", Path.of("/dev/shm"), fleet, measure, csrs, null));

    System.out.println();
    System.out.printf(
        "%-6s %-24s %12s %11s %8s %8s %8s %14s %10s %7s%n",
        "ledger",
        "load",
        "renewals/min",
        "rounds/min",
        "p50 ms",
        "p99 ms",
        "signetd",
        "signetd RSS MB",
        "generator",
        "other");
    System.out.printf(
        "%-6s %-24s %12s %11s %8s %8s %8s %14s %10s %7s%n",
        "", "", "", "", "", "", "cores", "(peak)", "cores", "cores");
    for (Row row : rows) {
      System.out.printf(
          "%-6s %-24s %,12.0f %,11.0f %8.1f %8.1f %8.2f %14s %10.2f %7.2f%s%n",
          row.ledger,
          row.load,
          row.renewalsPerMinute,
          row.roundsPerMinute,
          row.p50,
          row.p99,
          row.daemonCores,
          row.daemonRssMb + " (" + row.daemonPeakMb + ")",
          row.generatorCores,
          row.otherCores,
          row.failures == 0 ? "" : "  " + row.failures + " FAILED ROUNDS");
    }
    printBursts(bursts, fleet);
    Row saturated = rows.get(0);
    double period = 1.5 * fleet / saturated.roundsPerMinute;
    System.out.printf(
        "%nA renewal is one issued certificate (kubelet client, kubelet serving, or the node's credential);"
            + " a round is one agent wake-up (new mTLS connection, GetCaBundles, its renewals). Latency: per renewal call."
            + "%nAt saturation (ledger on disk) the daemon keeps up with %,d nodes whose certificates last %.1f minutes"
            + " (renewed every %.1f minutes).%n",
        fleet, period, period * 2 / 3);
    System.out.println(
        "fleet "
            + fleet
            + " nodes, "
            + AGENTS
            + " agents at saturation, measured "
            + measure.toSeconds()
            + " s after "
            + SATURATION_WARM_UP.toSeconds()
            + " s of warm-up (paced: "
            + PACED_WARM_UP.toSeconds()
            + " s); cores: "
            + Runtime.getRuntime().availableProcessors()
            + ", java "
            + System.getProperty("java.version")
            + ", signetd -Xmx256m");
  }

  /**
   * One daemon with its ledger in {@code ledgers}: enrolment, saturation, and, when {@code bursts}
   * is given, the paced fleet and the bursts.
   */
  private static List<Row> run(
      Path directory,
      String ledgerName,
      Path ledgers,
      int fleet,
      Duration measure,
      List<ByteString> csrs,
      List<Burst> bursts)
      throws Exception {
    String label = "bench-fleet-" + ledgerName;
    System.out.println("== " + label + ": token, signetd init, serve (ledger on " + ledgers + ")");
    TestToken token = TestToken.create(directory, label);
    Path instance = directory.resolve(label);
    Path ledger = ledgers.resolve(label + "-" + System.nanoTime() + ".db");
    Path config =
        new DaemonConfig()
            .validity(KUBELET_LIFETIME.toHours() + "h")
            .apiCredentialValidity(CREDENTIAL_LIFETIME.toHours() + "h")
            .ledgerUrl("jdbc:sqlite:" + ledger)
            // saturation runs 32 agents at once: room for all of them, so that what is measured
            // is throughput, not admission (the default, 4 per token signing slot, would refuse
            // half of them with retry hints)
            .extra("limits:\n  maxNodeCalls: 32")
            .writeTo(token, instance);
    DaemonProcess.init(token, config);
    List<Row> rows = new ArrayList<>();
    try (DaemonProcess daemon = DaemonProcess.serve(token, config)) {
      FleetBenchmark benchmark =
          new FleetBenchmark(
              enrol(daemon.port(), instance, fleet),
              csrs,
              ApiClient.readCertificates(instance.resolve("operator/ca.crt")),
              daemon.port());
      rows.add(benchmark.saturate(ledgerName, daemon.pid(), measure));
      if (bursts != null) {
        rows.add(benchmark.pace(ledgerName, daemon.pid(), measure));
        bursts.addAll(benchmark.bursts(daemon.pid()));
      }
    } finally {
      try (Stream<Path> files = Files.list(ledgers)) {
        for (Path file :
            files
                .filter(f -> f.getFileName().toString().startsWith(ledger.getFileName().toString()))
                .toList()) {
          Files.delete(file);
        }
      }
    }
    return rows;
  }

  /** Issues every node its credential through the operator, 16 calls at a time. */
  private static List<Node> enrol(int port, Path instance, int fleet) throws Exception {
    X509Certificate[] signetApiCa = ApiClient.readCertificates(instance.resolve("operator/ca.crt"));
    long start = System.nanoTime();
    List<Node> nodes = new ArrayList<>(fleet);
    for (int i = 0; i < fleet; i++) {
      nodes.add(new Node(i));
    }
    AtomicInteger next = new AtomicInteger();
    try (ApiClient operator = ApiClient.asOperator(instance, port)) {
      parallel(
          16,
          () -> {
            for (int i = next.getAndIncrement(); i < fleet; i = next.getAndIncrement()) {
              Node node = nodes.get(i);
              KeyPair keys = Keys.ec();
              byte[] der =
                  operator
                      .credentials()
                      .issueApiCredential(
                          IssueApiCredentialRequest.newBuilder()
                              .setRole(Role.ROLE_NODE)
                              .setName("system:node:" + node.name)
                              .addAllNodeAddresses(node.addresses)
                              .setCsrDer(Keys.csrBytes(keys))
                              .build())
                      .getCredential()
                      .getCertificateDer()
                      .toByteArray();
              X509Certificate credential = X509.parse(der);
              node.tls = nodeTls(signetApiCa, keys.getPrivate(), credential);
              node.resumable = ApiClient.tls(signetApiCa, keys.getPrivate(), credential);
            }
          });
    }
    System.out.printf(
        "   enrolled %,d nodes (own credential each) in %.1f s%n",
        fleet, (System.nanoTime() - start) / 1e9);
    // A fleet's agents wake up in no particular order.
    Collections.shuffle(nodes, new Random(6));
    return nodes;
  }

  /**
   * A node's TLS settings for saturation and the paced fleet, kept from one round to the next. They
   * cache no session, so that every round pays the full handshake with certificate checks on both
   * sides: the worst case, an agent whose kept connection signetd closed when it idled (after
   * {@code limits.maxConnectionIdle}, 5 minutes by default) and whose session is gone too. The
   * bursts show what a kept connection and a kept session save.
   */
  private static SslContext nodeTls(
      X509Certificate[] signetApiCa, PrivateKey key, X509Certificate credential)
      throws IOException {
    SslContext tls = ApiClient.tls(signetApiCa, key, credential);
    if (!(tls.sessionContext() instanceof OpenSslSessionContext sessions)) {
      throw new IllegalStateException(
          "expected netty's OpenSSL provider, which grpc-netty-shaded carries");
    }
    sessions.setSessionCacheEnabled(false);
    return tls;
  }

  /** {@link #AGENTS} agents back to back through the fleet: what the daemon sustains. */
  private Row saturate(String ledger, long daemonPid, Duration measure) throws Exception {
    System.out.println("   saturation: " + AGENTS + " agents, rounds back to back");
    Recorder recorder = new Recorder();
    AtomicLong next = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread[] agents = new Thread[AGENTS];
    for (int a = 0; a < AGENTS; a++) {
      agents[a] =
          new Thread(
              () -> {
                while (!stop.get()) {
                  Node node = nodes.get((int) (next.getAndIncrement() % nodes.size()));
                  boolean credential = (node.rounds++ + node.index) % CREDENTIAL_EVERY == 0;
                  round(node, true, credential, recorder);
                }
              });
      agents[a].setDaemon(true);
      agents[a].start();
    }
    Row row =
        measure(
            ledger,
            "saturation, " + AGENTS + " agents",
            daemonPid,
            SATURATION_WARM_UP,
            measure,
            recorder);
    stop.set(true);
    for (Thread agent : agents) {
      agent.join();
    }
    return row;
  }

  /**
   * The fleet's own schedule for {@link #KUBELET_LIFETIME} certificates, open loop: each node's
   * kubelet round comes every two thirds of that lifetime, and its credential renewal every two
   * thirds of {@link #CREDENTIAL_LIFETIME}, each at a random phase (a fleet in its steady state).
   */
  private Row pace(String ledger, long daemonPid, Duration measure) throws Exception {
    Duration period = KUBELET_LIFETIME.multipliedBy(2).dividedBy(3);
    Duration credentialPeriod = CREDENTIAL_LIFETIME.multipliedBy(2).dividedBy(3);
    long horizon = PACED_WARM_UP.plus(measure).toNanos();
    Random random = new Random(7);
    record Due(long at, Node node, boolean kubelet) {}
    List<Due> schedule = new ArrayList<>();
    for (Node node : nodes) {
      for (long at = (long) (random.nextDouble() * period.toNanos());
          at < horizon;
          at += period.toNanos()) {
        schedule.add(new Due(at, node, true));
      }
      for (long at = (long) (random.nextDouble() * credentialPeriod.toNanos());
          at < horizon;
          at += credentialPeriod.toNanos()) {
        schedule.add(new Due(at, node, false));
      }
    }
    schedule.sort((a, b) -> Long.compare(a.at, b.at));
    double demand =
        nodes.size() * (2.0 / period.toSeconds() + 1.0 / credentialPeriod.toSeconds()) * 60;
    System.out.printf(
        "   paced: %,d nodes on %d-minute certificates and %d-hour credentials: %.0f renewals/min due%n",
        nodes.size(), KUBELET_LIFETIME.toMinutes(), CREDENTIAL_LIFETIME.toHours(), demand);
    Recorder recorder = new Recorder();
    ExecutorService agents = Executors.newCachedThreadPool();
    long start = System.nanoTime();
    Thread dispatcher =
        new Thread(
            () -> {
              for (Due due : schedule) {
                long wait = start + due.at - System.nanoTime();
                if (wait > 0) {
                  try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
                agents.execute(() -> round(due.node, due.kubelet, !due.kubelet, recorder));
              }
            });
    dispatcher.setDaemon(true);
    dispatcher.start();
    Row row =
        measure(
            ledger,
            String.format("paced, %d-min certificates", KUBELET_LIFETIME.toMinutes()),
            daemonPid,
            PACED_WARM_UP,
            measure,
            recorder);
    dispatcher.join();
    agents.shutdown();
    agents.awaitTermination(60, TimeUnit.SECONDS);
    return row;
  }

  /**
   * One agent wake-up for {@code node}: a new connection with its credential, the CA bundles, then
   * its renewals. A failed call ends the round and is counted.
   */
  private void round(Node node, boolean kubelet, boolean credential, Recorder recorder) {
    try (ApiClient client = ApiClient.connect(port, node.tls)) {
      renewals(client, node, kubelet, credential, recorder);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The CA bundles, then the node's renewals, on {@code client}. */
  private void renewals(
      ApiClient client, Node node, boolean kubelet, boolean credential, Recorder recorder) {
    try {
      client.issuance().getCaBundles(GetCaBundlesRequest.getDefaultInstance());
      if (kubelet) {
        ByteString clientCsr = csrs.get(Math.floorMod(nextCsr.getAndIncrement(), csrs.size()));
        ByteString servingCsr = csrs.get(Math.floorMod(nextCsr.getAndIncrement(), csrs.size()));
        recorder.renewal(
            () ->
                client
                    .issuance()
                    .issueKubeletClient(
                        IssueKubeletClientRequest.newBuilder()
                            .setNodeName(node.name)
                            .setCsrDer(clientCsr)
                            .build()));
        recorder.renewal(
            () ->
                client
                    .issuance()
                    .issueKubeletServing(
                        IssueKubeletServingRequest.newBuilder()
                            .setNodeName(node.name)
                            .addAllAddresses(node.addresses)
                            .setCsrDer(servingCsr)
                            .build()));
      }
      if (credential) {
        KeyPair keys = Keys.ec();
        byte[] der =
            recorder.renewal(
                () ->
                    client
                        .credentials()
                        .renewApiCredential(
                            RenewApiCredentialRequest.newBuilder()
                                .setCsrDer(Keys.csrBytes(keys))
                                .build())
                        .getCredential()
                        .getCertificateDer()
                        .toByteArray());
        node.tls = nodeTls(signetApiCa, keys.getPrivate(), X509.parse(der));
      }
      recorder.round();
    } catch (StatusRuntimeException e) {
      recorder.failure(e.getStatus().getCode().toString());
    } catch (IOException | RuntimeException e) {
      recorder.failure(e.getClass().getSimpleName());
    }
  }

  /**
   * Every node's kubelet round at once (two renewals each: 10,000 from the default 5,000 nodes), as
   * after a CA rotation's activation, when every agent re-issues at its next check; worked off by
   * {@link #AGENTS} agents at a time as fast as the daemon takes them, on the warm daemon. Three
   * times, by how the nodes reach it:
   *
   * <ol>
   *   <li>a new connection each, full handshake (as the agent did before it kept its channel, and
   *       as it still does when signetd closed the idle connection and no session is left);
   *   <li>a new connection each, with TLS settings that kept the session of the first burst and
   *       offer it for resumption (the agent's channel reconnecting after signetd closed it for
   *       idleness); whether OpenSSL resumed it is the "resumed" column, its client's hit count;
   *   <li>the connection of the second burst, kept open (the agent's {@code KeptConnection} within
   *       signetd's {@code limits.maxConnectionIdle}).
   * </ol>
   */
  private List<Burst> bursts(long daemonPid) throws Exception {
    List<Burst> bursts = new ArrayList<>();
    bursts.add(
        burst(
            "new connection, full handshake",
            daemonPid,
            node -> ApiClient.connect(port, node.resumable),
            false));
    bursts.add(
        burst(
            "new connection, sessions kept",
            daemonPid,
            node -> ApiClient.connect(port, node.resumable),
            true));
    bursts.add(burst("kept connection", daemonPid, node -> node.kept, true));
    for (Node node : nodes) {
      node.kept.close();
    }
    return bursts;
  }

  /**
   * One burst: each node's round on the client {@code connect} gives it, kept open in {@link
   * Node#kept} when {@code keep}; the time until the last renewal is done.
   */
  private Burst burst(
      String connections, long daemonPid, Function<Node, ApiClient> connect, boolean keep)
      throws Exception {
    long resumedBefore = resumedSessions();
    Recorder recorder = new Recorder();
    recorder.recording.set(true);
    AtomicInteger next = new AtomicInteger();
    Usage before = Usage.now(daemonPid);
    parallel(
        AGENTS,
        () -> {
          for (int i = next.getAndIncrement(); i < nodes.size(); i = next.getAndIncrement()) {
            Node node = nodes.get(i);
            ApiClient client = connect.apply(node);
            renewals(client, node, true, false, recorder);
            if (keep) {
              node.kept = client;
            } else {
              client.close();
            }
          }
        });
    Usage after = Usage.now(daemonPid);
    long[] sorted = recorder.latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    Burst burst =
        new Burst(
            connections,
            (after.wallNanos - before.wallNanos) / 1e9,
            sorted.length,
            percentile(sorted, 0.50),
            percentile(sorted, 0.99),
            (after.daemonCpuNanos - before.daemonCpuNanos) / 1e9,
            resumedSessions() - resumedBefore,
            recorder.failures.values().stream().mapToInt(AtomicInteger::get).sum());
    System.out.printf(
        "   burst, %s: %,d renewals in %.2f s, p99 %.1f ms, signetd %.1f s of CPU,"
            + " %,d sessions resumed%s%n",
        connections,
        burst.renewals,
        burst.seconds,
        burst.p99,
        burst.daemonCpuSeconds,
        burst.resumedSessions,
        recorder.failures.isEmpty() ? "" : ", failed: " + recorder.failures);
    return burst;
  }

  /** TLS sessions the nodes' resumable settings have resumed so far (OpenSSL's "hits"). */
  private long resumedSessions() {
    long hits = 0;
    for (Node node : nodes) {
      hits += ((OpenSslSessionContext) node.resumable.sessionContext()).stats().hits();
    }
    return hits;
  }

  private static void printBursts(List<Burst> bursts, int fleet) {
    System.out.printf(
        "%nBursts: every node's kubelet round at once (%,d nodes, %,d renewals), %d agents at a time,"
            + " ledger on disk%n",
        fleet, 2L * fleet, AGENTS);
    System.out.printf(
        "%-34s %9s %12s %8s %8s %12s %10s%n",
        "connections", "seconds", "renewals/s", "p50 ms", "p99 ms", "signetd CPU", "resumed");
    for (Burst burst : bursts) {
      System.out.printf(
          "%-34s %9.2f %,12.0f %8.1f %8.1f %10.1f s %,10d%s%n",
          burst.connections,
          burst.seconds,
          burst.renewals / burst.seconds,
          burst.p50,
          burst.p99,
          burst.daemonCpuSeconds,
          burst.resumedSessions,
          burst.failures == 0 ? "" : "  " + burst.failures + " FAILED ROUNDS");
    }
  }

  /** Warm-up, then the measured window: counts, latencies, CPU of everyone, the daemon's memory. */
  private static Row measure(
      String ledger,
      String load,
      long daemonPid,
      Duration warmUp,
      Duration measure,
      Recorder recorder)
      throws Exception {
    progress(recorder, warmUp, "warm-up", () -> {});
    Usage before = Usage.now(daemonPid);
    recorder.recording.set(true);
    long[] peakRss = {0};
    progress(
        recorder,
        measure,
        "measured",
        () -> peakRss[0] = Math.max(peakRss[0], memory(daemonPid, "VmRSS")));
    recorder.recording.set(false);
    Usage after = Usage.now(daemonPid);
    double wall = (after.wallNanos - before.wallNanos) / 1e9;
    double daemonCores = (after.daemonCpuNanos - before.daemonCpuNanos) / 1e9 / wall;
    double generatorCores = (after.generatorCpuNanos - before.generatorCpuNanos) / 1e9 / wall;
    double machineCores = (after.machineBusyTicks - before.machineBusyTicks) / 100.0 / wall;
    long[] sorted = recorder.latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    Row row =
        new Row(
            ledger,
            load,
            sorted.length * 60 / wall,
            recorder.rounds.get() * 60 / wall,
            percentile(sorted, 0.50),
            percentile(sorted, 0.99),
            daemonCores,
            peakRss[0] / 1024,
            memory(daemonPid, "VmHWM") / 1024,
            generatorCores,
            Math.max(0, machineCores - daemonCores - generatorCores),
            recorder.failures.values().stream().mapToInt(AtomicInteger::get).sum());
    if (!recorder.failures.isEmpty()) {
      System.out.println("     failed rounds, by cause: " + recorder.failures);
    }
    System.out.printf(
        "   %s: %,.0f renewals/min, p50 %.1f ms, p99 %.1f ms, signetd %.2f cores, generator %.2f cores%n",
        load, row.renewalsPerMinute, row.p50, row.p99, row.daemonCores, row.generatorCores);
    return row;
  }

  /**
   * Waits {@code length}, doing {@code everySecond} each second and printing the rate every 10 s.
   */
  private static void progress(Recorder recorder, Duration length, String phase, Work everySecond)
      throws Exception {
    long last = recorder.completed.get();
    long end = System.nanoTime() + length.toNanos();
    for (int second = 1; System.nanoTime() < end; second++) {
      Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
      everySecond.run();
      if (second % 10 == 0) {
        long now = recorder.completed.get();
        System.out.printf(
            "     %-8s %3d s: %,7.0f renewals/min over the last 10 s%n",
            phase, second, (now - last) * 6.0);
        last = now;
      }
    }
  }

  private static double percentile(long[] sorted, double fraction) {
    return sorted.length == 0
        ? 0
        : sorted[(int) Math.min(sorted.length - 1, sorted.length * fraction)] / 1e6;
  }

  /** A field of /proc/PID/status in KiB (VmRSS: resident now; VmHWM: the peak since start). */
  private static long memory(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException(field + " not in /proc/" + pid + "/status");
  }

  /**
   * CPU time of the daemon and of this JVM (/proc/PID/stat, through ProcessHandle) and of the
   * machine.
   */
  private record Usage(
      long wallNanos, long daemonCpuNanos, long generatorCpuNanos, long machineBusyTicks) {
    static Usage now(long daemonPid) throws IOException {
      return new Usage(
          System.nanoTime(),
          cpu(ProcessHandle.of(daemonPid).orElseThrow()),
          cpu(ProcessHandle.current()),
          busyTicks());
    }

    private static long cpu(ProcessHandle process) {
      return process.info().totalCpuDuration().orElseThrow().toNanos();
    }

    /**
     * All CPUs' user, nice, system, irq and softirq time (not idle, I/O wait or steal), in USER_HZ
     * ticks, 100 per second on Linux.
     */
    private static long busyTicks() throws IOException {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+", -1);
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        busy += Long.parseLong(fields[i]);
      }
      return busy;
    }
  }

  /** What the agents did during the measured window. */
  private static final class Recorder {
    final AtomicBoolean recording = new AtomicBoolean();
    final AtomicLong completed = new AtomicLong();
    final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong rounds = new AtomicLong();
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();

    interface Call<T> {
      T call();
    }

    <T> T renewal(Call<T> call) {
      long start = System.nanoTime();
      T result = call.call();
      completed.incrementAndGet();
      if (recording.get()) {
        latencies.add(System.nanoTime() - start);
      }
      return result;
    }

    void round() {
      if (recording.get()) {
        rounds.incrementAndGet();
      }
    }

    /** Counted warm-up included: no failure goes unseen. */
    void failure(String what) {
      failures.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }
  }

  private interface Work {
    void run() throws Exception;
  }

  private static void parallel(int threads, Work work) throws Exception {
    List<Thread> started = new ArrayList<>();
    List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  work.run();
                } catch (Exception e) {
                  failures.add(e);
                }
              });
      thread.start();
      started.add(thread);
    }
    for (Thread thread : started) {
      thread.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }
}
