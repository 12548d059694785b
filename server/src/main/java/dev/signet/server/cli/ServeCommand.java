package dev.signet.server.cli;

import dev.signet.server.config.SignetdConfig;
import dev.signet.server.daemon.Daemon;
import dev.signet.server.support.Logging;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code signetd serve}: run the daemon until stopped. */
@Command(
    name = "serve",
    header = "Serve Signet's gRPC API over mutual TLS until stopped.",
    description =
        "SIGTERM or SIGINT stops it gracefully: calls in flight finish, up to 10 s. Exits with 75"
            + " when the token fails, so that a supervisor restarts it: a PKCS#11 module cannot be"
            + " re-initialised inside a running process.",
    mixinStandardHelpOptions = true)
public final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = Logger.getLogger(ServeCommand.class.getName());

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOption configFile;

  @Override
  public Integer call() throws Exception {
    SignetdConfig config = configFile.load();
    AtomicInteger exitCode = new AtomicInteger(0);
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    try (Daemon daemon = Daemon.start(config, Signetd.keyStore(spec))) {
      daemon
          .tokenHealth()
          .onFailure(
              reason -> {
                exitCode.set(ExitCode.TEMPORARY.code());
                stop.countDown();
              });
      if (!daemon.tokenHealth().healthy()) {
        exitCode.set(ExitCode.TEMPORARY.code());
        stop.countDown();
      }
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    stop.countDown();
                    try {
                      stopped.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  "signet-shutdown"));
      PrintWriter out = spec.commandLine().getOut();
      daemon
          .enrollmentPort()
          .ifPresent(
              port ->
                  out.println(
                      "signetd enrollment on "
                          + config.enrollment().listen().get().host()
                          + ":"
                          + port));
      daemon
          .metricsPort()
          .ifPresent(
              port ->
                  out.println(
                      "signetd metrics on http://"
                          + config.metrics().listen().get().host()
                          + ":"
                          + port));
      out.println("signetd ready on " + config.listen().host() + ":" + daemon.port());
      out.flush();
      stop.await();
      LOG.info(
          exitCode.get() == ExitCode.TEMPORARY.code() ? "stopping: the token failed" : "stopping");
    } finally {
      // the shutdown hook lets the JVM halt once this counts down: write the last lines first
      Logging.flush();
      stopped.countDown();
    }
    return exitCode.get();
  }
}
