package dev.signet.bench;

import com.google.common.base.Splitter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of processes and their threads, and the load average, from Linux's /proc: what a
 * benchmark on a shared machine prints beside its figures.
 */
final class ProcessCpu {
  /** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
  private static final double TICKS = 100;

  private ProcessCpu() {}

  /** User and system CPU seconds {@code pid} used so far. */
  static double seconds(long pid) throws IOException {
    return times(Path.of("/proc", Long.toString(pid), "stat"));
  }

  /**
   * CPU seconds of {@code pid}'s live threads so far, summed by name with the trailing number
   * dropped ("signet-rpc-12" and "signet-rpc-3" are "signet-rpc").
   */
  static Map<String, Double> byThread(long pid) throws IOException {
    Map<String, Double> seconds = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          String name = Files.readString(task.resolve("comm")).strip();
          seconds.merge(
              name.replaceAll("[-#]?\\d+$", ""), times(task.resolve("stat")), Double::sum);
        } catch (IOException ended) {
          // the thread ended meanwhile
        }
      }
    }
    return seconds;
  }

  /** The 1, 5 and 15 minute load averages, as /proc/loadavg has them. */
  static String loadAverage() throws IOException {
    List<String> fields = Splitter.on(' ').splitToList(Files.readString(Path.of("/proc/loadavg")));
    return String.join(" ", fields.subList(0, 3));
  }

  private static double times(Path stat) throws IOException {
    String line = Files.readString(stat);
    // fields after the command name, which is in parentheses and may hold spaces
    List<String> fields = Splitter.on(' ').splitToList(line.substring(line.lastIndexOf(')') + 2));
    return (Long.parseLong(fields.get(11)) + Long.parseLong(fields.get(12))) / TICKS;
  }
}
