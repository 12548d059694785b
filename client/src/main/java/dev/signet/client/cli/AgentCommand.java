package dev.signet.client.cli;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.agent.Agent;
import dev.signet.client.agent.AgentConfig;
import dev.signet.client.agent.Metrics;
import dev.signet.common.HostPort;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet agent}: the long-running renewer of a directory's certificates. */
@Command(
    name = "agent",
    header =
        "Keep a directory's certificates, and this node's Signet credential, renewed before they expire.",
    description = {
      "Runs until stopped (under systemd: deploy/signet-agent.service). It manages every certificate DIR/.signet/manifest.yaml records, kubeconfig-embedded ones included, and the Signet API credential it connects with (--cert/--key or the client configuration).",
      "",
      "Each is renewed at two thirds of its lifetime (give or take up to 5%% of it, fixed per certificate), with a NEW key pair made here and the subject and names recorded, replaced atomically with the previous pair kept as .bak; at once when its files are missing or unusable, or when the CA that issued it no longer signs (a CA rotation was activated). Every check interval it compares signetd's CA bundles with the CA files and the CA data in kubeconfigs, and rewrites those that differ (a rotation adds a CA, or retires one).",
      "",
      "After writing files it runs their hooks (agent.hooks in the client configuration), each command once. When signetd is unreachable or refuses, the current files stay and it retries with exponential backoff. SIGHUP makes it check and retry at once. One line per action goes to standard output; `signet agent status` shows the state."
    },
    sortOptions = false,
    subcommands = {AgentStatusCommand.class},
    customSynopsis = {
      "signet agent --dir DIR [--config FILE] [--metrics-listen HOST:PORT] [OPTIONS]",
      "signet agent status --dir DIR [-o table|json]%n"
    },
    footer = {
      "%nThe agent's section of the client configuration (all optional; defaults shown):",
      "  agent:",
      "    checkInterval: 5m      # compare signetd's CA bundles with the files this often",
      "    hookTimeout: 2m        # a hook still running then is killed",
      "    backoff: {initial: 10s, max: 5m}",
      "    hooks:                 # file written (relative to --dir, or absolute) -> /bin/sh -c command",
      "      pki/etcd/server.crt: systemctl restart etcd",
      "      kubelet.conf: systemctl restart kubelet",
      "",
      "Example:",
      "  signet agent --dir /etc/kubernetes --config /etc/signet/signet.yaml \\",
      "      --metrics-listen 127.0.0.1:9464"
    })
public final class AgentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "The directory signet wrote into, e.g. /etc/kubernetes. Required.")
  Path dir;

  @Option(
      names = "--metrics-listen",
      paramLabel = "HOST:PORT",
      description =
          "Serve metrics in the Prometheus text format at http://HOST:PORT/metrics, e.g. 127.0.0.1:9464 (plain HTTP: keep it on a local address). Default: no metrics.")
  String metricsListen;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    Path root = AgentStatusCommand.directory(dir);
    PrintWriter out = spec.commandLine().getOut();
    Consumer<String> log =
        line -> {
          synchronized (out) {
            out.println(Instant.now() + " " + line);
            out.flush();
          }
        };
    Agent agent =
        new Agent(
            root,
            connection.settings(),
            AgentConfig.load(connection.configFile()),
            Clock.systemUTC(),
            log);
    agent.start();
    try (Metrics metrics = metrics(agent, log)) {
      handle("HUP", agent::checkNow, log);
      CountDownLatch finished = new CountDownLatch(1);
      Thread stop =
          new Thread(
              () -> {
                agent.stop();
                try {
                  finished.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "signet-agent-stop");
      Runtime.getRuntime().addShutdownHook(stop); // SIGTERM, SIGINT: finish the pass in progress
      try {
        agent.run();
      } finally {
        finished.countDown();
      }
    }
    return ExitCode.OK.code();
  }

  /** Serves the agent's metrics if asked to, and says where (port 0: the port bound). */
  private Metrics metrics(Agent agent, Consumer<String> log) {
    if (metricsListen == null) {
      return null;
    }
    HostPort address;
    try {
      address = HostPort.parseListen(metricsListen);
    } catch (IllegalArgumentException e) {
      throw new SignetException(ExitCode.USAGE, "--metrics-listen: " + e.getMessage());
    }
    try {
      Metrics metrics =
          Metrics.serve(new InetSocketAddress(address.host(), address.port()), agent::state);
      log.accept("metrics at http://" + new HostPort(address.host(), metrics.port()) + "/metrics");
      return metrics;
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.USAGE,
          "cannot serve metrics on "
              + address
              + ": "
              + SignetException.describe(e)
              + ". Choose another --metrics-listen.");
    }
  }

  /**
   * Runs {@code action} on the signal; where the JVM does not let it, says so and goes on.
   *
   * <p>Java has no public API for SIGHUP, so this is {@code sun.misc.Signal.handle(new
   * Signal(signal), s -> action.run())} of module jdk.unsupported, called reflectively: javac 17
   * reports every direct use of that class as a warning that no {@code @SuppressWarnings} silences,
   * and the build fails on warnings.
   */
  private static void handle(String signal, Runnable action, Consumer<String> log) {
    String refusal;
    try {
      Class<?> signalType = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object handler =
          Proxy.newProxyInstance(
              handlerType.getClassLoader(),
              new Class<?>[] {handlerType},
              (proxy, method, arguments) ->
                  switch (method.getName()) {
                    case "equals" -> proxy == arguments[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "toString" -> "SIG" + signal + " handler";
                    default -> { // SignalHandler.handle(Signal), the only other method
                      action.run();
                      yield null;
                    }
                  });
      Object previous =
          signalType
              .getMethod("handle", signalType, handlerType)
              .invoke(null, signalType.getConstructor(String.class).newInstance(signal), handler);
      if (!previous.equals(handlerType.getField("SIG_IGN").get(null))) {
        return;
      }
      // The JVM keeps a signal its parent ignored ignored (nohup does that to SIGHUP), silently.
      refusal = "it was ignored when this process started, as under nohup";
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException refused) {
        refusal = refused.getMessage(); // an unknown signal, or one the JVM uses itself
      } else if (e.getCause() instanceof Error error) {
        throw error;
      } else {
        throw (RuntimeException) e.getCause(); // neither call declares a checked exception
      }
    } catch (ReflectiveOperationException e) {
      refusal = "this JVM has no sun.misc.Signal: " + e;
    }
    log.accept(
        "warning: cannot handle SIG"
            + signal
            + " ("
            + refusal
            + "); the agent checks on its own schedule only");
  }
}
