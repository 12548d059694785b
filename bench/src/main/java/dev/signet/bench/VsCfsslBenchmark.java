package dev.signet.bench;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.common.KeyAlgorithm;
import dev.signet.server.testing.ApiClient;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.DaemonProcess;
import dev.signet.server.testing.Keys;
import dev.signet.server.testing.TestToken;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * signetd against cfssl, side by side in one run: the same pre-generated stream of distinct P-256
 * CSRs, 4 and 16 concurrent callers, for a P-256 CA and an RSA-2048 CA.
 *
 * <p>cfssl ({@code cfssl serve}, Debian golang-cfssl) holds its CA key in a file, answers plain
 * HTTP and keeps no database; signetd holds its key in a SoftHSM2 token, answers over mutual TLS,
 * checks the CSR's proof of possession and the token's signature, and returns each certificate only
 * after its ledger record and audit event are durably committed to SQLite.
 *
 * <p>Both servers run at once. After a JIT warm-up of both (signetd needs most of a minute of load
 * before its compiler settles), measured windows alternate between them: signetd, cfssl, signetd,
 * cfssl, ... so that load from other processes on the machine falls on both. Each window reports
 * certificates/s, p50 and p99 latency, the server's CPU per certificate and its RSS; the table
 * gives the medians of the windows and the ratio signetd/cfssl, with the machine's load average and
 * the CPU that other processes used during the windows. For the RSA CA, the token's raw RSA-2048
 * signing rate at the same concurrency is measured first, in this JVM.
 *
 * <p>Run with {@code bin/signet-bench vs-cfssl [WARM-UP-S [WINDOW-S [WINDOWS]]]}.
 */
public final class VsCfsslBenchmark {
  private static final int[] CALLERS = {4, 16};
  private static final int STREAM = 20_000;
  private static final long TICKS_PER_SECOND = 100;
  private static final Pattern SPACES = Pattern.compile("\\s+");

  /** One measured window of one server. */
  private record Window(
      double perSecond,
      double p50,
      double p99,
      double cpuMsPerCertificate,
      double callerCpuMsPerCertificate,
      long rssMiB,
      double othersCores,
      double load) {}

  /** A server under test: its process and one issuance call. */
  private interface Server {
    String name();

    long pid();

    void issue(int index) throws Exception;
  }

  private VsCfsslBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path directory = Path.of(args[0]);
    Duration warmUp = Duration.ofSeconds(Integer.parseInt(args[1]));
    Duration window = Duration.ofSeconds(Integer.parseInt(args[2]));
    int windows = Integer.parseInt(args[3]);
    System.out.println("generating " + STREAM + " distinct P-256 CSRs");
    List<ByteString> csrs = new ArrayList<>(STREAM);
    List<String> pems = new ArrayList<>(STREAM);
    for (int i = 0; i < STREAM; i++) {
      ByteString der = Keys.csrBytes(Keys.ec());
      csrs.add(der);
      pems.add(
          "-----BEGIN CERTIFICATE REQUEST-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der.toByteArray())
              + "\n-----END CERTIFICATE REQUEST-----\n");
    }
    List<String> table = new ArrayList<>();
    for (KeyAlgorithm algorithm : List.of(KeyAlgorithm.ECDSA_P256, KeyAlgorithm.RSA_2048)) {
      table.addAll(compare(directory, algorithm, csrs, pems, warmUp, window, windows));
    }
    System.out.println();
    System.out.printf(
        "%-9s %-7s %7s %10s %8s %8s %11s %10s %8s %8s %7s%n",
        "CA key",
        "server",
        "callers",
        "certs/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/cert",
        "callers ms",
        "RSS MiB",
        "others",
        "load1");
    table.forEach(System.out::println);
    System.out.println(
        "\nmedians of "
            + windows
            + " alternating "
            + window.toSeconds()
            + " s windows after a "
            + warmUp.toSeconds()
            + " s warm-up of each; a stream of "
            + STREAM
            + " distinct P-256 CSRs, cycled; callers ms = CPU of this benchmark's callers (the"
            + " same machine's cores) per certificate; others = cores used by other processes during"
            + " the windows; load1 = the 1-minute load average. cores: "
            + Runtime.getRuntime().availableProcessors()
            + ", java "
            + System.getProperty("java.version"));
  }

  private static List<String> compare(
      Path directory,
      KeyAlgorithm algorithm,
      List<ByteString> csrs,
      List<String> pems,
      Duration warmUp,
      Duration window,
      int windows)
      throws Exception {
    String label = "bench-" + algorithm.id();
    System.out.println("== " + algorithm.id() + " CA");
    TestToken token = TestToken.create(directory, label);
    Path instance = directory.resolve(label);
    Path config =
        new DaemonConfig()
            .algorithm(algorithm.id())
            .ledgerUrl("jdbc:sqlite:" + directory.resolve(label + ".db"))
            .writeTo(token, instance);
    DaemonProcess.init(token, config);
    double[] raw = new double[CALLERS.length];
    if (algorithm == KeyAlgorithm.RSA_2048) {
      raw = TokenSignatures.perSecond(token, "kubernetes-ca", CALLERS, window, 600);
    }
    List<String> rows = new ArrayList<>();
    Path cfsslFiles = directory.resolve("cfssl-" + algorithm.id());
    List<String> daemonOptions =
        System.getenv().containsKey("SIGNETD_JAVA_OPTIONS")
            ? List.of(SPACES.split(System.getenv("SIGNETD_JAVA_OPTIONS").trim()))
            : List.of();
    try (DaemonProcess daemon =
            DaemonProcess.serve(token, config, daemonOptions.toArray(String[]::new));
        ApiClient client = ApiClient.asOperator(instance, daemon.port());
        Cfssl cfssl = Cfssl.start(cfsslFiles)) {
      AtomicInteger next = new AtomicInteger();
      Server signetd =
          new Server() {
            @Override
            public String name() {
              return "signetd";
            }

            @Override
            public long pid() {
              return daemon.pid();
            }

            @Override
            public void issue(int index) {
              client
                  .issuance()
                  .issueKubeletClient(
                      IssueKubeletClientRequest.newBuilder()
                          .setNodeName("bench-" + next.getAndIncrement())
                          .setCsrDer(csrs.get(index))
                          .build());
            }
          };
      Server software =
          new Server() {
            @Override
            public String name() {
              return "cfssl";
            }

            @Override
            public long pid() {
              return cfssl.process.pid();
            }

            @Override
            public void issue(int index) throws Exception {
              cfssl.sign(pems.get(index));
            }
          };
      AtomicInteger position = new AtomicInteger();
      for (Server server : List.of(signetd, software)) {
        System.out.printf("   warming up %s for %d s%n", server.name(), warmUp.toSeconds());
        run(server, csrs.size(), position, 16, warmUp);
      }
      for (int c = 0; c < CALLERS.length; c++) {
        int callers = CALLERS[c];
        List<Window> ours = new ArrayList<>();
        List<Window> theirs = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
          ours.add(run(signetd, csrs.size(), position, callers, window));
          theirs.add(run(software, csrs.size(), position, callers, window));
          System.out.printf(
              "   %2d callers window %d: signetd %6.0f/s  cfssl %6.0f/s%n",
              callers, w + 1, ours.get(w).perSecond, theirs.get(w).perSecond);
        }
        Window signetdMedian = median(ours);
        Window cfsslMedian = median(theirs);
        rows.add(row(algorithm, "signetd", callers, signetdMedian));
        rows.add(row(algorithm, "cfssl", callers, cfsslMedian));
        rows.add(
            String.format(
                "%-9s %-7s %7d %9.2fx %8s %8s %11s",
                algorithm.id(),
                "ratio",
                callers,
                signetdMedian.perSecond / cfsslMedian.perSecond,
                "",
                "",
                ""));
        rows.add(budget(algorithm, callers, signetdMedian, cfsslMedian));
        if (algorithm == KeyAlgorithm.RSA_2048) {
          rows.add(
              String.format(
                  "%-9s %-7s %7d %10.0f   signetd = %.0f%% of the raw token signing rate",
                  algorithm.id(),
                  "token",
                  callers,
                  raw[c],
                  100 * signetdMedian.perSecond / raw[c]));
        }
      }
    }
    return rows;
  }

  /**
   * What 1.2 times cfssl's rate would leave signetd here: the callers run on the same cores, so at
   * that rate the cores' time per certificate, less what signetd's callers spend on each, is all
   * the CPU signetd could use per certificate.
   */
  private static String budget(KeyAlgorithm algorithm, int callers, Window signetd, Window cfssl) {
    double target = 1.2 * cfssl.perSecond;
    double cores = Runtime.getRuntime().availableProcessors();
    double perCertificate = cores * 1000 / target;
    return String.format(
        "%-9s %-7s %7d %10.0f   1.2x cfssl: %.0f cores give %.3f ms per certificate; less the"
            + " callers' %.3f ms, signetd could use %.3f ms (it used %.3f)",
        algorithm.id(),
        "budget",
        callers,
        target,
        cores,
        perCertificate,
        signetd.callerCpuMsPerCertificate,
        perCertificate - signetd.callerCpuMsPerCertificate,
        signetd.cpuMsPerCertificate);
  }

  private static String row(KeyAlgorithm algorithm, String server, int callers, Window w) {
    return String.format(
        "%-9s %-7s %7d %10.0f %8.2f %8.2f %11.3f %10.3f %8d %8.2f %7.2f",
        algorithm.id(),
        server,
        callers,
        w.perSecond,
        w.p50,
        w.p99,
        w.cpuMsPerCertificate,
        w.callerCpuMsPerCertificate,
        w.rssMiB,
        w.othersCores,
        w.load);
  }

  /** Per field, the median over the windows (the windows' medians need not be one window). */
  private static Window median(List<Window> windows) {
    return new Window(
        median(windows.stream().mapToDouble(Window::perSecond).toArray()),
        median(windows.stream().mapToDouble(Window::p50).toArray()),
        median(windows.stream().mapToDouble(Window::p99).toArray()),
        median(windows.stream().mapToDouble(Window::cpuMsPerCertificate).toArray()),
        median(windows.stream().mapToDouble(Window::callerCpuMsPerCertificate).toArray()),
        windows.stream().mapToLong(Window::rssMiB).max().orElse(0),
        median(windows.stream().mapToDouble(Window::othersCores).toArray()),
        median(windows.stream().mapToDouble(Window::load).toArray()));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** Issues from {@code server} on {@code callers} threads for {@code length}; one window. */
  private static Window run(
      Server server, int streamSize, AtomicInteger position, int callers, Duration length)
      throws Exception {
    List<long[]> latencies = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(callers);
    long[] cpuBefore = {processTicks(server.pid()), machineBusyTicks(), processTicks(-1)};
    double load =
        Double.parseDouble(SPACES.split(Files.readString(Path.of("/proc/loadavg")), -1)[0]);
    long start = System.nanoTime();
    for (int t = 0; t < callers; t++) {
      long[] own = new long[1 << 20];
      latencies.add(own);
      Thread worker =
          new Thread(
              () -> {
                int n = 0;
                try {
                  while (!stop.get()) {
                    int index = Math.floorMod(position.getAndIncrement(), streamSize);
                    long begin = System.nanoTime();
                    server.issue(index);
                    if (n < own.length - 1) {
                      own[++n] = System.nanoTime() - begin;
                    }
                  }
                } catch (Exception e) {
                  failures.incrementAndGet();
                  System.err.println(server.name() + " call failed: " + e);
                } finally {
                  own[0] = n;
                  done.countDown();
                }
              });
      worker.setDaemon(true);
      worker.start();
    }
    Thread.sleep(length.toMillis());
    stop.set(true);
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    long serverTicks = processTicks(server.pid()) - cpuBefore[0];
    long machineTicks = machineBusyTicks() - cpuBefore[1];
    long benchTicks = processTicks(-1) - cpuBefore[2];
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " " + server.name() + " callers failed");
    }
    List<Long> all = new ArrayList<>();
    for (long[] own : latencies) {
      for (int i = 1; i <= own[0]; i++) {
        all.add(own[i]);
      }
    }
    all.sort(null);
    int count = all.size();
    return new Window(
        count / seconds,
        all.get(count / 2) / 1e6,
        all.get((int) (count * 0.99)) / 1e6,
        serverTicks * 1000.0 / TICKS_PER_SECOND / count,
        benchTicks * 1000.0 / TICKS_PER_SECOND / count,
        rssMiB(server.pid()),
        Math.max(0, machineTicks - serverTicks - benchTicks) / (double) TICKS_PER_SECOND / seconds,
        load);
  }

  /** User and system CPU ticks of a process (-1: this one) and its threads. */
  private static long processTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + (pid < 0 ? "self" : pid) + "/stat"));
    String[] fields = SPACES.split(stat.substring(stat.lastIndexOf(')') + 2), -1);
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** Busy CPU ticks of the whole machine: everything but idle and iowait. */
  private static long machineBusyTicks() throws IOException {
    String[] cpu = SPACES.split(Files.readAllLines(Path.of("/proc/stat")).get(0).trim(), -1);
    long busy = 0;
    for (int i = 1; i < Math.min(cpu.length, 9); i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(cpu[i]);
      }
    }
    return busy;
  }

  private static long rssMiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return 0;
  }

  /** {@code cfssl serve} on a free loopback port with the CA that bin/signet-bench made. */
  private static final class Cfssl implements AutoCloseable {
    private final Process process;
    private final URI sign;
    private final HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Cfssl(Process process, int port) {
      this.process = process;
      this.sign = URI.create("http://127.0.0.1:" + port + "/api/v1/cfssl/sign");
    }

    static Cfssl start(Path files) throws Exception {
      int port;
      try (ServerSocket free = new ServerSocket(0)) {
        port = free.getLocalPort();
      }
      Process process =
          new ProcessBuilder(
                  "cfssl",
                  "serve",
                  "-address=127.0.0.1",
                  "-port=" + port,
                  "-ca=" + files.resolve("ca.pem"),
                  "-ca-key=" + files.resolve("ca-key.pem"),
                  "-config=" + files.resolve("config.json"))
              .redirectErrorStream(true)
              .redirectOutput(files.resolve("cfssl.log").toFile())
              .start();
      for (int attempt = 0; ; attempt++) {
        try (Socket probe = new Socket()) {
          probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
          break;
        } catch (IOException notYet) {
          if (attempt > 300 || !process.isAlive()) {
            process.destroyForcibly();
            throw new IOException("cfssl serve did not start; see " + files.resolve("cfssl.log"));
          }
          Thread.sleep(100);
        }
      }
      return new Cfssl(process, port);
    }

    void sign(String csrPem) throws Exception {
      String body =
          "{\"certificate_request\":\"" + csrPem.replace("\n", "\\n") + "\",\"profile\":\"\"}";
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(sign)
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200 || !response.body().contains("\"success\":true")) {
        throw new IOException("cfssl refused: " + response.statusCode() + " " + response.body());
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      process.waitFor();
    }
  }
}
