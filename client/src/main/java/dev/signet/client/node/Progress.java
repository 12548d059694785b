package dev.signet.client.node;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a command tells the user as it goes: one line per file written or kept, and a summary. Paths
 * are shown relative to the output directory, which the summary names. It also remembers which
 * files were written, so that the agent can run their hooks.
 */
public final class Progress {
  private final Consumer<String> lines;
  private final boolean tabular;
  private final Path root;
  private final List<Path> written = new ArrayList<>();
  private int issued;
  private int kept;
  private int files;

  /** A command's progress: a table of files written and kept, printed to {@code out}. */
  public Progress(PrintWriter out, Path root) {
    this(
        line -> {
          out.println(line);
          out.flush();
        },
        true,
        root);
  }

  private Progress(Consumer<String> lines, boolean tabular, Path root) {
    this.lines = lines;
    this.tabular = tabular;
    this.root = root;
  }

  /**
   * The progress of a long-running agent: one sentence per file written or action taken, to {@code
   * log}; files found valid and kept are not worth a line every time it looks.
   */
  public static Progress forAgent(Consumer<String> log, Path root) {
    return new Progress(log, false, root);
  }

  public void wrote(Path file, String what) {
    files++;
    written.add(file.toAbsolutePath().normalize());
    if (tabular) {
      line("wrote", file, what);
    } else {
      lines.accept("wrote " + display(file) + ": " + what);
    }
  }

  public void kept(Path file, String what) {
    if (tabular) {
      line("kept", file, what);
    }
  }

  public void note(String text) {
    lines.accept(tabular ? "  " + text : text);
  }

  /** The files written since the last call, in order, as absolute paths. */
  public List<Path> takeWritten() {
    List<Path> taken = List.copyOf(written);
    written.clear();
    return taken;
  }

  void issuedOne() {
    issued++;
  }

  void keptOne() {
    kept++;
  }

  public int issued() {
    return issued;
  }

  public int kept() {
    return kept;
  }

  /** The closing line: counts and where the files are. */
  public void summary(String verb) {
    lines.accept(
        verb
            + ": "
            + issued
            + (issued == 1 ? " certificate" : " certificates")
            + " issued, "
            + kept
            + " kept, "
            + files
            + (files == 1 ? " file" : " files")
            + " written in "
            + root);
  }

  private void line(String action, Path file, String what) {
    lines.accept(String.format("  %-5s %-36s %s", action, display(file), what));
  }

  /** A file as the user knows it: relative to the output directory when it is inside it. */
  public String display(Path file) {
    Path absolute = file.toAbsolutePath();
    return absolute.startsWith(root) ? root.relativize(absolute).toString() : absolute.toString();
  }
}
