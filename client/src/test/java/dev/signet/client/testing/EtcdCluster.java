package dev.signet.client.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A real three-member etcd cluster (Debian's etcd-server) on loopback, with client and peer
 * certificate authentication on the files in each member's {@code pki/etcd} directory ({@code
 * ca.crt}, {@code server.*}, {@code peer.*}, {@code healthcheck-client.*}), as kubeadm lays them
 * out.
 *
 * <p>Each member runs under a small supervisor script that starts etcd again whenever it exits, as
 * its systemd unit would; {@code restart-etcd-N.sh} restarts it as {@code systemctl restart} would,
 * which is what an agent's hook calls. Restarts take a cluster-wide lock and return only once the
 * member answers a health check again, so that only one member is ever down and the cluster keeps
 * its quorum; each is logged in {@link #restarts()}. The supervisors are children of the test JVM
 * and etcd of its supervisor, so every process is reaped.
 */
public final class EtcdCluster implements AutoCloseable {
  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);

  /** One member: its name, its certificate directory, its URLs and its files. */
  public record Member(
      String name,
      Path pki,
      String clientUrl,
      String peerUrl,
      Path restartScript,
      Path log,
      Path pidFile) {
    /** The command an agent's hook runs to restart this member. */
    public String restartCommand() {
      return "sh " + restartScript;
    }
  }

  private final Path work;
  private final List<Member> members;
  private final List<Process> supervisors = new ArrayList<>();
  private final Thread killer = new Thread(this::kill, "etcd-cluster-cleanup");

  private EtcdCluster(Path work, List<Member> members) {
    this.work = work;
    this.members = members;
  }

  /**
   * Starts members {@code etcd-1..3} on the certificates in {@code pki} (one {@code pki/etcd}
   * directory each, in order), with their data, logs and scripts in {@code work}; returns once the
   * three are healthy.
   */
  public static EtcdCluster start(Path work, List<Path> pki) throws Exception {
    Files.createDirectories(work);
    int[] clientPorts = Tools.freePorts(3);
    int[] peerPorts = Tools.freePorts(3);
    String initialCluster =
        IntStream.range(0, 3)
            .mapToObj(i -> "etcd-" + (i + 1) + "=https://127.0.0.1:" + peerPorts[i])
            .collect(Collectors.joining(","));
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String name = "etcd-" + (i + 1);
      members.add(
          new Member(
              name,
              pki.get(i).toAbsolutePath(),
              "https://127.0.0.1:" + clientPorts[i],
              "https://127.0.0.1:" + peerPorts[i],
              work.resolve("restart-" + name + ".sh"),
              work.resolve(name + ".log"),
              work.resolve(name + ".pid")));
    }
    EtcdCluster cluster = new EtcdCluster(work, members);
    Runtime.getRuntime().addShutdownHook(cluster.killer);
    for (Member member : members) {
      cluster.writeScripts(member, initialCluster);
      cluster.supervisors.add(
          new ProcessBuilder("sh", work.resolve("supervise-" + member.name() + ".sh").toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(member.log().toFile()))
              .start());
    }
    cluster.awaitHealthy();
    return cluster;
  }

  private void writeScripts(Member member, String initialCluster) throws IOException {
    Path pki = member.pki();
    String etcd =
        String.join(
            " ",
            "/usr/bin/etcd",
            "--name",
            member.name(),
            "--data-dir",
            quote(work.resolve("data-" + member.name())),
            "--listen-client-urls",
            member.clientUrl(),
            "--advertise-client-urls",
            member.clientUrl(),
            "--listen-peer-urls",
            member.peerUrl(),
            "--initial-advertise-peer-urls",
            member.peerUrl(),
            "--initial-cluster",
            initialCluster,
            "--initial-cluster-state",
            "new",
            "--initial-cluster-token",
            "signet-test",
            // a busy two-core test machine: do not call elections at the first late heartbeat
            "--heartbeat-interval",
            "200",
            "--election-timeout",
            "2000",
            "--cert-file",
            quote(pki.resolve("server.crt")),
            "--key-file",
            quote(pki.resolve("server.key")),
            "--peer-cert-file",
            quote(pki.resolve("peer.crt")),
            "--peer-key-file",
            quote(pki.resolve("peer.key")),
            "--trusted-ca-file",
            quote(pki.resolve("ca.crt")),
            "--peer-trusted-ca-file",
            quote(pki.resolve("ca.crt")),
            "--client-cert-auth",
            "--peer-client-cert-auth");
    script(
        work.resolve("supervise-" + member.name() + ".sh"),
        "# Runs "
            + member.name()
            + " and starts it again whenever it exits, until "
            + member.name()
            + ".stop exists.",
        "while [ ! -e " + quote(work.resolve(member.name() + ".stop")) + " ]; do",
        "  " + etcd + " </dev/null &",
        "  echo $! > " + quote(member.pidFile()),
        "  wait $!",
        "  sleep 0.2",
        "done",
        "rm -f " + quote(member.pidFile()));
    script(
        member.restartScript(),
        "# Restarts "
            + member.name()
            + " as systemctl restart would: one member at a time (a cluster-wide",
        "# lock), done once it answers a health check again.",
        "set -u",
        "exec 9>>" + quote(work.resolve("restart.lock")),
        "flock 9",
        "old=$(cat " + quote(member.pidFile()) + ")",
        "echo \"$(date +%s.%N) " + member.name() + " stopping\" >> " + quote(restarts()),
        "kill -TERM \"$old\"",
        "i=0",
        "while [ \"$(cat "
            + quote(member.pidFile())
            + " 2>/dev/null)\" = \"$old\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done",
        "i=0",
        "until ETCDCTL_API=3 /usr/bin/etcdctl --endpoints "
            + member.clientUrl()
            + " --cacert "
            + quote(pki(member, "ca.crt"))
            + " --cert "
            + quote(pki(member, "healthcheck-client.crt"))
            + " --key "
            + quote(pki(member, "healthcheck-client.key"))
            + " --dial-timeout 2s --command-timeout 2s endpoint health >/dev/null 2>&1; do",
        "  i=$((i+1))",
        "  if [ $i -gt 150 ]; then echo \"$(date +%s.%N) "
            + member.name()
            + " unhealthy\" >> "
            + quote(restarts())
            + "; exit 1; fi",
        "  sleep 0.2",
        "done",
        "echo \"$(date +%s.%N) " + member.name() + " healthy\" >> " + quote(restarts()));
  }

  private static Path pki(Member member, String file) {
    return member.pki().resolve(file);
  }

  private static void script(Path file, String... lines) throws IOException {
    Files.writeString(file, "#!/bin/sh\n" + String.join("\n", lines) + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String quote(Path path) {
    return "'" + path.toString().replace("'", "'\\''") + "'";
  }

  public List<Member> members() {
    return members;
  }

  public Member member(int index) {
    return members.get(index);
  }

  /** Every member's client URL, comma-separated, as etcdctl's --endpoints takes them. */
  public String endpoints() {
    return members.stream().map(Member::clientUrl).collect(Collectors.joining(","));
  }

  /** Lines "SECONDS.NANOS etcd-N stopping|healthy|unhealthy", one per step of each restart. */
  public Path restarts() {
    return work.resolve("restarts.log");
  }

  /** The restart log as events; empty before the first restart. */
  public List<Restart> restartEvents() throws IOException {
    if (!Files.exists(restarts())) {
      return List.of();
    }
    List<Restart> events = new ArrayList<>();
    for (String line : Files.readAllLines(restarts())) {
      String[] parts = line.split(" ", -1);
      String[] time = parts[0].split("\\.", -1);
      events.add(
          new Restart(
              Instant.ofEpochSecond(Long.parseLong(time[0]), Long.parseLong(time[1])),
              parts[1],
              parts[2]));
    }
    return events;
  }

  /** One step of a restart: a member stopping, or healthy again. */
  public record Restart(Instant at, String member, String what) {}

  /** The pid of a member's current etcd process. */
  public long pid(Member member) throws IOException {
    return Long.parseLong(Files.readString(member.pidFile()).strip());
  }

  /**
   * etcdctl against {@code endpoints} with a client credential (certificate and key files) and the
   * CA file to trust.
   */
  public static Tools.Run etcdctl(
      Path ca, Path certificate, Path key, String endpoints, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "/usr/bin/etcdctl",
                "--endpoints",
                endpoints,
                "--cacert",
                ca.toString(),
                "--cert",
                certificate.toString(),
                "--key",
                key.toString(),
                "--dial-timeout",
                "3s",
                "--command-timeout",
                "5s"));
    command.addAll(List.of(args));
    return Tools.run(command, Map.of("ETCDCTL_API", "3"));
  }

  /** etcdctl with member {@code index}'s own healthcheck-client credential and CA file. */
  public Tools.Run healthcheck(int index, String endpoints, String... args) throws Exception {
    Path pki = member(index).pki();
    return etcdctl(
        pki.resolve("ca.crt"),
        pki.resolve("healthcheck-client.crt"),
        pki.resolve("healthcheck-client.key"),
        endpoints,
        args);
  }

  /** Waits until the three members answer health checks. */
  public void awaitHealthy() throws Exception {
    Instant deadline = Instant.now().plus(HEALTHY_WITHIN);
    Tools.Run last = null;
    while (Instant.now().isBefore(deadline)) {
      for (Process supervisor : supervisors) {
        if (!supervisor.isAlive()) {
          throw new IllegalStateException("an etcd supervisor exited: " + logs());
        }
      }
      last = healthcheck(0, endpoints(), "endpoint", "health");
      if (last.exitCode() == 0) {
        return;
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException(
        "etcd not healthy within "
            + HEALTHY_WITHIN
            + ": "
            + (last == null ? "" : last.output())
            + logs());
  }

  /** The last lines of each member's log, for failure messages. */
  public String logs() throws IOException {
    StringBuilder logs = new StringBuilder();
    for (Member member : members) {
      if (Files.exists(member.log())) {
        List<String> lines = Files.readAllLines(member.log());
        logs.append("\n--- ")
            .append(member.name())
            .append(":\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
      }
    }
    return logs.toString();
  }

  /** Stops every member: no restart after its etcd exits. */
  @Override
  public void close() throws Exception {
    for (Member member : members) {
      Files.writeString(work.resolve(member.name() + ".stop"), "");
    }
    kill();
    for (Process supervisor : supervisors) {
      if (!supervisor.waitFor(30, TimeUnit.SECONDS)) {
        supervisor.destroyForcibly();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // shutting down already: the hook runs
    }
  }

  /**
   * SIGTERM to every member's etcd, SIGKILL to what is left after 10 s. At JVM exit (the test
   * aborted) the supervisors go first, so that none starts its member again.
   */
  private void kill() {
    if (Thread.currentThread() == killer) {
      supervisors.forEach(Process::destroyForcibly);
    }
    List<ProcessHandle> running = new ArrayList<>();
    for (Member member : members) {
      try {
        ProcessHandle.of(pid(member)).ifPresent(running::add);
      } catch (IOException | NumberFormatException e) {
        // not running
      }
    }
    running.forEach(ProcessHandle::destroy);
    for (ProcessHandle process : running) {
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        process.destroyForcibly();
      }
    }
  }
}
