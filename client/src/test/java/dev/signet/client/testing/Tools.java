package dev.signet.client.testing;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The real programs the tests judge with: openssl, kubectl, etcdctl. */
public final class Tools {
  /** A finished program: exit code and everything it printed (both streams). */
  public record Run(int exitCode, String output) {}

  private Tools() {}

  public static Run run(List<String> command) throws IOException, InterruptedException {
    return run(command, Map.of());
  }

  public static Run run(List<String> command, Map<String, String> environment)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(command + " did not finish");
    }
    return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  /**
   * Ports free on loopback now, distinct (held open together while chosen), for a process the test
   * starts to bind. They are drawn below Linux's ephemeral range (32768 and up), from which the
   * kernel picks the local port of every outgoing connection and of every listener on port 0: with
   * other tests running beside this one, a port from that range could be taken again between this
   * check and the process's bind.
   */
  public static int[] freePorts(int count) throws IOException {
    int[] ports = new int[count];
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        ServerSocket socket = bindBelowEphemeralRange();
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
    return ports;
  }

  private static ServerSocket bindBelowEphemeralRange() throws IOException {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_768);
      try {
        return new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
      } catch (BindException inUse) {
        // taken: draw another
      }
    }
    throw new IOException("no free loopback port between 20000 and 32767");
  }

  /**
   * Runs {@code kubectl} on {@code kubeconfig} alone: HOME is {@code home} and $KUBECONFIG empty,
   * so that no other configuration on the machine is read.
   */
  public static Run kubectl(Path kubectl, Path kubeconfig, Path home, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return run(command, Map.of("HOME", home.toString(), "KUBECONFIG", ""));
  }

  /**
   * {@code kubectl config view --raw --flatten -o jsonpath=PATH}: what kubectl makes of the file,
   * referenced files embedded, so that every kubeconfig yields its data the same way.
   */
  public static String jsonpath(Path kubectl, Path kubeconfig, Path home, String path)
      throws IOException, InterruptedException {
    Run run =
        kubectl(
            kubectl,
            kubeconfig,
            home,
            "config",
            "view",
            "--raw",
            "--flatten",
            "-o",
            "jsonpath=" + path);
    if (run.exitCode() != 0) {
      throw new IOException("kubectl config view failed on " + kubeconfig + ": " + run.output());
    }
    return run.output().strip();
  }

  /**
   * A kubectl that reads kubeconfigs without contacting anything. /usr/bin/kubectl may be a
   * version-picking wrapper that asks the kubeconfig's server for its version even for {@code
   * config view}; the versioned binaries beside its target are plain kubectl. Debian's
   * kubernetes-client is used only where there is no kubectl at all.
   */
  public static Path kubectl() throws IOException {
    Path found = Path.of("/usr/bin/kubectl");
    if (!Files.exists(found)) {
      found =
          Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
              .map(directory -> Path.of(directory, "kubectl"))
              .filter(Files::isExecutable)
              .findFirst()
              .orElseThrow(
                  () ->
                      new IOException(
                          "no kubectl: install Debian's kubernetes-client (bin/test does this as root)"));
    }
    Path real = found.toRealPath();
    Path preferred = real.resolveSibling("kubectl.1.33");
    if (Files.isExecutable(preferred)) {
      return preferred;
    }
    try (Stream<Path> siblings = Files.list(real.getParent())) {
      return siblings
          .filter(p -> p.getFileName().toString().matches("kubectl\\.1\\.\\d+"))
          .max(
              Comparator.comparingInt(
                  p -> Integer.parseInt(p.getFileName().toString().substring(10))))
          .orElse(real);
    }
  }
}
