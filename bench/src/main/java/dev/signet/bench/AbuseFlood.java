package dev.signet.bench;

import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.JoinRequest;
import dev.signet.server.testing.HalfOpenCalls;
import dev.signet.server.testing.Loopback;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The attack on the enrollment port that {@link AbuseBenchmark} measures against, in a process of
 * its own (the benchmark starts it at a stated priority, so that what it costs is the attacker's
 * and is reported apart): {@value #IDLE_SOURCES} sources holding {@value #IDLE_PER_SOURCE} idle TLS
 * connections each; {@value #BAD_JOIN_SOURCES} sources sending joins with 60 KiB node names and bad
 * tokens, one at a time each, the next as soon as the last is answered; {@value #HALF_OPEN_SOURCES}
 * sources opening {@value #HALF_OPEN_PER_SOURCE} header-only Join streams each, reopened as they
 * end. A source whose connection is closed (the daemon shut it out) connects again at once, as an
 * attacker would, rather than back off as a gRPC client does.
 *
 * <p>Prints {@code flooding} once it floods; answers each line on its standard input with {@code
 * flood-totals CALLS CONNECTIONS}, what it has sent so far; runs until its standard input ends,
 * then prints what it sent and how it was answered.
 */
public final class AbuseFlood {
  static final int BAD_JOIN_SOURCES = 8;
  static final int IDLE_SOURCES = 48;
  static final int IDLE_PER_SOURCE = 8;
  static final int HALF_OPEN_SOURCES = 8;
  static final int HALF_OPEN_PER_SOURCE = 4;
  private static final String SIXTY_KIB = "n".repeat(60 * 1024);

  /** Held, so that its level stays: a refused flood is expected, the daemon's GOAWAYs no news. */
  private static final Logger GRPC = Logger.getLogger("io.grpc");

  private final int port;
  private final Path caBundle;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<Status.Code, AtomicLong> joinAnswers = new ConcurrentHashMap<>();
  private final AtomicLong halfOpenOpened = new AtomicLong();
  private final Map<Status.Code, AtomicLong> halfOpenEnded = new ConcurrentHashMap<>();
  private final AtomicLong connections = new AtomicLong();
  private final List<Socket> idle = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong idleRefused = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();

  private AbuseFlood(int port, Path caBundle) {
    this.port = port;
    this.caBundle = caBundle;
  }

  public static void main(String[] args) throws Exception {
    GRPC.setLevel(Level.SEVERE);
    AbuseFlood flood = new AbuseFlood(Integer.parseInt(args[0]), Path.of(args[1]));
    long start = System.nanoTime();
    flood.start();
    System.out.println("flooding");
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    while (in.readLine() != null) {
      System.out.printf("flood-totals %d %d%n", flood.calls(), flood.connections.get());
      System.out.flush();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    flood.stop();
    flood.report(seconds);
    System.out.flush();
    System.exit(0);
  }

  private void start() throws Exception {
    for (int s = 0; s < IDLE_SOURCES; s++) {
      for (int c = 0; c < IDLE_PER_SOURCE; c++) {
        connections.incrementAndGet();
        try {
          idle.add(Loopback.idleHttp2Connection("127.0.2." + (s + 1), port));
        } catch (IOException refused) {
          idleRefused.incrementAndGet();
        }
      }
    }
    for (int s = 0; s < BAD_JOIN_SOURCES; s++) {
      String source = "127.0.1." + (s + 1);
      thread(() -> badJoins(source));
    }
    for (int s = 0; s < HALF_OPEN_SOURCES; s++) {
      String source = "127.0.3." + (s + 1);
      thread(() -> halfOpen(source));
    }
  }

  private void thread(Runnable body) {
    Thread thread = new Thread(body);
    thread.setDaemon(true);
    thread.start();
    threads.add(thread);
  }

  private ManagedChannel connect(String source) {
    connections.incrementAndGet();
    try {
      return Loopback.enrollmentChannel(source, port, caBundle);
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a client of " + caBundle, e);
    }
  }

  private void badJoins(String source) {
    ManagedChannel channel = connect(source);
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
        BootstrapGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).join(join);
        code = Status.Code.OK;
      } catch (StatusRuntimeException e) {
        code = e.getStatus().getCode();
      }
      joinAnswers.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
      if (code == Status.Code.UNAVAILABLE) {
        channel.shutdownNow();
        channel = connect(source);
      }
    }
    channel.shutdownNow();
  }

  private void halfOpen(String source) {
    String join = BootstrapGrpc.getJoinMethod().getFullMethodName();
    ManagedChannel channel = connect(source);
    while (running.get()) {
      List<HalfOpenCalls.Held> held =
          HalfOpenCalls.open(channel, join, HALF_OPEN_PER_SOURCE, HalfOpenCalls.Sends.NOTHING);
      halfOpenOpened.addAndGet(held.size());
      boolean disconnected = false;
      for (HalfOpenCalls.Held call : held) {
        try {
          HalfOpenCalls.Ended ended = call.closed().get(120, TimeUnit.SECONDS);
          halfOpenEnded
              .computeIfAbsent(ended.status().getCode(), c -> new AtomicLong())
              .incrementAndGet();
          disconnected |= ended.status().getCode() == Status.Code.UNAVAILABLE;
        } catch (Exception e) {
          call.call().cancel("the flood ends", null);
        }
      }
      if (disconnected) {
        channel.shutdownNow();
        channel = connect(source);
      }
    }
    channel.shutdownNow();
  }

  private void stop() throws InterruptedException {
    running.set(false);
    synchronized (idle) {
      for (Socket socket : idle) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
    for (Thread thread : threads) {
      thread.join(30_000);
    }
  }

  private long calls() {
    return sum(joinAnswers) + halfOpenOpened.get();
  }

  private void report(double seconds) {
    long joins = sum(joinAnswers);
    System.out.printf(
        "flood (%.0f s): %d idle TLS connections held (%d refused) from %d sources; %d bad joins"
            + " (60 KiB names) from %d sources, %.0f/s, answered %s; %d header-only Join streams"
            + " from %d sources, %.0f/s, ended %s; %d connections opened in all, %.1f/s%n",
        seconds,
        idle.size(),
        idleRefused.get(),
        IDLE_SOURCES,
        joins,
        BAD_JOIN_SOURCES,
        joins / seconds,
        sorted(joinAnswers),
        halfOpenOpened.get(),
        HALF_OPEN_SOURCES,
        halfOpenOpened.get() / seconds,
        sorted(halfOpenEnded),
        connections.get(),
        connections.get() / seconds);
  }

  private static long sum(Map<Status.Code, AtomicLong> counts) {
    return counts.values().stream().mapToLong(AtomicLong::get).sum();
  }

  private static Map<Status.Code, Long> sorted(Map<Status.Code, AtomicLong> counts) {
    Map<Status.Code, Long> out = new TreeMap<>();
    counts.forEach((code, count) -> out.put(code, count.get()));
    return out;
  }
}
