package dev.signet.client.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A client that keeps writing and reading through every endpoint of an {@link EtcdCluster} while
 * something happens to it, as kube-apiserver does: each round puts a new key and gets it back
 * (linearizable, so each success needs the cluster's quorum). A failed call is retried once after
 * 300 ms, as any client retries; a round fails when the retry fails too. The client credential is
 * member {@code index}'s healthcheck-client pair and CA file, read again at every call, so it
 * follows whatever renews them.
 */
public final class EtcdProbe implements AutoCloseable {
  /** One round: whether it succeeded, and whether it needed a retry. */
  public record Round(int number, boolean succeeded, boolean retried, String problem) {}

  private final EtcdCluster cluster;
  private final int index;
  private final Duration interval;
  private final List<Round> rounds = Collections.synchronizedList(new ArrayList<>());
  private final Thread thread;
  private volatile boolean stopping;

  private EtcdProbe(EtcdCluster cluster, int index, Duration interval) {
    this.cluster = cluster;
    this.index = index;
    this.interval = interval;
    this.thread = new Thread(this::run, "etcd-probe");
    thread.setDaemon(true);
  }

  public static EtcdProbe start(EtcdCluster cluster, int index, Duration interval) {
    EtcdProbe probe = new EtcdProbe(cluster, index, interval);
    probe.thread.start();
    return probe;
  }

  private void run() {
    for (int number = 1; !stopping; number++) {
      String key = "/probe/" + number;
      String value = "round-" + number;
      List<String> problems = new ArrayList<>();
      boolean put =
          attempt(
              problems,
              run -> run.exitCode() == 0 && run.output().contains("OK"),
              "put",
              key,
              value);
      boolean get =
          put
              && attempt(
                  problems,
                  run -> run.exitCode() == 0 && run.output().strip().equals(value),
                  "get",
                  key,
                  "--print-value-only");
      rounds.add(new Round(number, put && get, !problems.isEmpty(), String.join("; ", problems)));
      try {
        Thread.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private interface Check {
    boolean passes(Tools.Run run);
  }

  private boolean attempt(List<String> problems, Check check, String... args) {
    for (int attempt = 1; attempt <= 2; attempt++) {
      try {
        Tools.Run run = cluster.healthcheck(index, cluster.endpoints(), args);
        if (check.passes(run)) {
          return true;
        }
        problems.add(args[0] + " attempt " + attempt + ": " + run.output().strip());
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (Exception e) {
        problems.add(args[0] + " attempt " + attempt + ": " + e);
      }
    }
    return false;
  }

  /** The rounds so far. */
  public List<Round> rounds() {
    synchronized (rounds) {
      return List.copyOf(rounds);
    }
  }

  /** Rounds, failures and retries, with the problems of those that needed a retry. */
  public String summary() {
    List<Round> all = rounds();
    List<Round> retried = all.stream().filter(Round::retried).toList();
    return all.size()
        + " rounds, "
        + all.stream().filter(r -> !r.succeeded()).count()
        + " failed, "
        + retried.size()
        + " needed a retry"
        + (retried.isEmpty()
            ? ""
            : ": " + retried.stream().map(r -> "#" + r.number() + " " + r.problem()).toList());
  }

  /** Stops after the round in progress. */
  @Override
  public void close() throws InterruptedException {
    stopping = true;
    thread.join(Duration.ofSeconds(30).toMillis());
  }
}
