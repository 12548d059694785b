package dev.signet.bench;

import com.google.common.base.Splitter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link AbuseFlood} in a JVM of its own under {@code nice -n NICE} (and a placement command such
 * as {@code taskset -c 1}), on this process's class path: asked for its running totals by a line on
 * its standard input, stopped by the end of it.
 */
final class FloodProcess implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;
  private final OutputStream in;

  private FloodProcess(Process process) {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = process.getOutputStream();
  }

  /** Starts the flood of {@code port} and returns once it floods. */
  static FloodProcess start(int port, Path caBundle, int nice, List<String> placement)
      throws IOException {
    List<String> command = new ArrayList<>(placement);
    command.addAll(
        List.of(
            "nice",
            "-n",
            Integer.toString(nice),
            ProcessHandle.current().info().command().orElse("java"),
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            AbuseFlood.class.getName(),
            Integer.toString(port),
            caBundle.toString()));
    FloodProcess flood =
        new FloodProcess(
            new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    String ready = flood.out.readLine();
    if (!"flooding".equals(ready)) {
      flood.close();
      throw new IOException("the flood did not start: " + ready);
    }
    return flood;
  }

  long pid() {
    return process.pid();
  }

  /** Calls and connections the flood has made so far. */
  long[] totals() throws IOException {
    in.write('\n');
    in.flush();
    List<String> line = Splitter.on(' ').splitToList(out.readLine());
    return new long[] {Long.parseLong(line.get(1)), Long.parseLong(line.get(2))};
  }

  /** Stops the flood; what it printed about itself. */
  List<String> stop() throws IOException, InterruptedException {
    in.close();
    List<String> report = new ArrayList<>();
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      report.add(line);
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IOException("the flood did not stop");
    }
    return report;
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
