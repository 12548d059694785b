package dev.signet.client.node;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * What a command tells the user as it goes: one line per file written or kept, and a summary.
 * Paths are shown relative to the output directory, which the summary names.
 */
public final class Progress {
  private final PrintWriter out;
  private final Path root;
  private int issued;
  private int kept;
  private int files;

  public Progress(PrintWriter out, Path root) {
    this.out = out;
    this.root = root;
  }

  public void wrote(Path file, String what) {
    files++;
    line("wrote", file, what);
  }

  public void kept(Path file, String what) {
    line("kept", file, what);
  }

  public void note(String text) {
    out.println("  " + text);
    out.flush();
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
    out.println(
        verb + ": " + issued + (issued == 1 ? " certificate" : " certificates") + " issued, " + kept + " kept, "
            + files + (files == 1 ? " file" : " files") + " written in " + root);
    out.flush();
  }

  private void line(String action, Path file, String what) {
    out.printf("  %-5s %-36s %s%n", action, display(file), what);
    out.flush();
  }

  private String display(Path file) {
    Path absolute = file.toAbsolutePath();
    return absolute.startsWith(root) ? root.relativize(absolute).toString() : absolute.toString();
  }
}
