package dev.signet.server.testing;

import com.google.common.base.Splitter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * signetd in a child JVM, as it runs for real: its own PKCS#11 initialisation, its own token
 * directory, real restarts and real {@code kill -9}.
 */
public final class DaemonProcess implements AutoCloseable {
  private static final String SIGNETD = "dev.signet.server.cli.Signetd";

  /**
   * Options for every child JVM, from the system property {@code signet.test.childJvmOptions}
   * (comma-separated). The build sets it for tests: a daemon that lives for seconds spends less CPU
   * with the first-tier JIT alone and the serial collector, which matters on a busy 2-core machine.
   * Benchmarks leave it unset, so their daemons run as bin/signetd runs them.
   */
  private static final List<String> CHILD_JVM_OPTIONS =
      Splitter.on(',')
          .omitEmptyStrings()
          .trimResults()
          .splitToList(System.getProperty("signet.test.childJvmOptions", ""));

  private static final Pattern READY = Pattern.compile("signetd ready on (.+):(\\d+)");
  private static final Pattern ENROLLMENT = Pattern.compile("signetd enrollment on (.+):(\\d+)");
  private static final Pattern METRICS = Pattern.compile("signetd metrics on (http://.+:\\d+)");

  /** What a finished signetd command printed and returned. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private final Process process;
  private final Path log;
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private volatile int enrollmentPort;
  private volatile String metricsUrl;
  private final StringBuilder stdout = new StringBuilder();

  private DaemonProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  synchronized (stdout) {
                    stdout.append(line).append('\n');
                  }
                  Matcher enrollment = ENROLLMENT.matcher(line);
                  if (enrollment.find()) {
                    enrollmentPort = Integer.parseInt(enrollment.group(2));
                  }
                  Matcher metrics = METRICS.matcher(line);
                  if (metrics.find()) {
                    metricsUrl = metrics.group(1);
                  }
                  Matcher ready = READY.matcher(line);
                  if (ready.find()) {
                    port.complete(Integer.parseInt(ready.group(2)));
                  }
                }
              } catch (IOException e) {
                // process ended
              }
              port.completeExceptionally(new IOException("signetd exited before it was ready"));
            },
            "signetd-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Runs {@code signetd ARGS} to completion. */
  public static Result run(TestToken token, List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    return run(token, Map.of(), jvmOptions, args);
  }

  /** Runs {@code signetd ARGS} to completion with extra environment variables. */
  public static Result run(
      TestToken token, Map<String, String> environment, List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    return runMain(token, environment, jvmOptions, SIGNETD, args);
  }

  /** Runs a main class of the daemon's class path (a test tool) against the token. */
  public static Result runMain(
      TestToken token,
      Map<String, String> environment,
      List<String> jvmOptions,
      String mainClass,
      String... args)
      throws IOException, InterruptedException {
    return runWrapped(token, List.of(), environment, jvmOptions, mainClass, args);
  }

  private static Result runWrapped(
      TestToken token,
      List<String> wrapper,
      Map<String, String> environment,
      List<String> jvmOptions,
      String mainClass,
      String... args)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(token.directory(), "signetd-", ".log");
    Process process = start(token, wrapper, environment, jvmOptions, log, mainClass, args);
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      killAll(process);
      throw new IOException("signetd " + String.join(" ", args) + " did not finish");
    }
    return new Result(process.exitValue(), out, Files.readString(log));
  }

  /** Runs {@code signetd init} and fails unless it succeeds. */
  public static Result init(TestToken token, Path config) throws IOException, InterruptedException {
    return init(token, config, List.of());
  }

  /**
   * Runs {@code signetd init} under {@code wrapper}, a command that runs the JVM (such as {@code
   * faketime -f -400d}), and fails unless it succeeds.
   */
  public static Result init(TestToken token, Path config, List<String> wrapper)
      throws IOException, InterruptedException {
    Result result =
        runWrapped(token, wrapper, Map.of(), List.of(), SIGNETD, "init", "-c", config.toString());
    if (result.exitCode() != 0) {
      throw new IOException("signetd init failed (" + result.exitCode() + "): " + result.stderr());
    }
    return result;
  }

  /** Starts {@code signetd serve} and waits until it accepts calls. */
  public static DaemonProcess serve(TestToken token, Path config, String... jvmOptions)
      throws IOException, InterruptedException {
    return serve(token, config, List.of(), jvmOptions);
  }

  /**
   * Starts {@code signetd serve} under {@code wrapper} (see {@link #init(TestToken, Path, List)}).
   */
  public static DaemonProcess serve(
      TestToken token, Path config, List<String> wrapper, String... jvmOptions)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(token.directory(), "signetd-serve-", ".log");
    DaemonProcess daemon =
        new DaemonProcess(
            start(
                token,
                wrapper,
                Map.of(),
                List.of(jvmOptions),
                log,
                SIGNETD,
                "serve",
                "-c",
                config.toString()),
            log);
    try {
      daemon.port.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      killAll(daemon.process);
      throw new IOException("signetd serve did not become ready: " + Files.readString(log), e);
    }
    return daemon;
  }

  private static Process start(
      TestToken token,
      List<String> wrapper,
      Map<String, String> environment,
      List<String> jvmOptions,
      Path log,
      String mainClass,
      String... args)
      throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--add-modules=jdk.crypto.cryptoki");
    command.add("--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED");
    command.add("-Xmx256m");
    command.addAll(CHILD_JVM_OPTIONS);
    command.addAll(jvmOptions);
    ChildJvmArchive archive =
        mainClass.equals(SIGNETD) && args.length > 0
            ? ChildJvmArchive.forSignetd(args[0])
            : ChildJvmArchive.none();
    command.addAll(archive.options());
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
    builder.environment().putAll(token.environment());
    builder.environment().putAll(environment);
    Process process = builder.start();
    archive.started(process);
    return process;
  }

  public int port() {
    return port.join();
  }

  /** The enrollment (Bootstrap.Join) port, server-authenticated TLS only. */
  public int enrollmentPort() {
    port.join();
    return enrollmentPort;
  }

  /** The base URL of metrics and probes ({@code metrics.listen}), e.g. http://127.0.0.1:9400. */
  public String metricsUrl() {
    port.join();
    if (metricsUrl == null) {
      throw new IllegalStateException("signetd serves no metrics: set metrics.listen");
    }
    return metricsUrl;
  }

  public long pid() {
    return process.pid();
  }

  /** The file the daemon's SQLite driver loaded its native library from, as the kernel maps it. */
  public Optional<Path> sqliteLibrary() throws IOException {
    try (Stream<String> maps = Files.lines(Path.of("/proc", Long.toString(pid()), "maps"))) {
      return maps.filter(line -> line.endsWith("libsqlitejdbc.so"))
          .map(line -> Path.of(line.substring(line.indexOf('/'))))
          .findFirst();
    }
  }

  /** Whether children keep native libraries in a directory instead of extracting them per start. */
  public static boolean keepsNativeLibraries() {
    return ChildJvmArchive.directory().isPresent();
  }

  /**
   * SIGTERM to the JVM, then the exit code. Under a wrapper the signal goes to the wrapper's
   * children, as faketime forwards none, and the wrapper ends when its child has.
   */
  public int stop() throws InterruptedException {
    List<ProcessHandle> children = process.descendants().toList();
    if (children.isEmpty()) {
      process.destroy();
    } else {
      children.forEach(ProcessHandle::destroy);
    }
    return awaitExit(Duration.ofSeconds(30));
  }

  /** SIGKILL: no shutdown hooks, no flushing (the JVM first, then any wrapper). */
  public void kill() throws InterruptedException {
    killAll(process);
    process.waitFor(30, TimeUnit.SECONDS);
  }

  private static void killAll(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /**
   * The exit code, once the JVM has exited within {@code timeout} (and the time it takes to write
   * its class-data archive, if it writes one).
   */
  public int awaitExit(Duration timeout) throws InterruptedException {
    Duration bound =
        ChildJvmArchive.isWriting(process) ? timeout.plus(ChildJvmArchive.WRITING_TIME) : timeout;
    if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      killAll(process);
      throw new IllegalStateException("signetd did not exit within " + bound);
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the daemon logged so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  public String stdout() {
    synchronized (stdout) {
      return stdout.toString();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
