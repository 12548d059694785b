package dev.signet.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Every help page of a picocli command line, as a user gets it: {@code COMMAND... --help} for each
 * command and subcommand, and {@code help COMMAND} for each top-level one. Picocli reports problems
 * in a description (a stray {@code %}) as {@code [picocli WARN]} on the process's standard error,
 * so that is captured too.
 */
public final class HelpPages {
  /** A command line's entry point: runs {@code args}, printing to the writers, returns the code. */
  public interface Cli {
    int run(PrintWriter out, PrintWriter err, String... args);
  }

  /** One page: the arguments that printed it, its output, and anything else it printed. */
  public record Page(List<String> args, int exitCode, String out, String err) {}

  private HelpPages() {}

  /** Every page of {@code root}'s tree (hidden commands included), run through {@code cli}. */
  public static List<Page> all(CommandLine root, Cli cli) {
    List<List<String>> invocations = new ArrayList<>();
    collect(root, new ArrayList<>(), invocations);
    for (String name : root.getSubcommands().keySet()) {
      invocations.add(List.of("help", name));
    }
    List<Page> pages = new ArrayList<>();
    for (List<String> args : invocations) {
      pages.add(run(cli, args));
    }
    return pages;
  }

  private static void collect(CommandLine command, List<String> path, List<List<String>> out) {
    List<String> help = new ArrayList<>(path);
    help.add("--help");
    out.add(help);
    command
        .getSubcommands()
        .forEach(
            (name, sub) -> {
              if (sub.getCommandSpec().name().equals(name)) { // aliases once
                List<String> subPath = new ArrayList<>(path);
                subPath.add(name);
                collect(sub, subPath, out);
              }
            });
  }

  private static synchronized Page run(Cli cli, List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream processErr = new ByteArrayOutputStream();
    PrintStream original = System.err;
    int code;
    System.setErr(new PrintStream(processErr, true, StandardCharsets.UTF_8));
    try {
      code = cli.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    } finally {
      System.setErr(original);
    }
    return new Page(args, code, out.toString(), err + processErr.toString(StandardCharsets.UTF_8));
  }

  /**
   * A page a terminal of {@code width} columns shows as written: exit code 0, nothing but the page
   * printed, no picocli warning, a usage line, no line wider than {@code width}, no trailing
   * blanks, and no word broken at a dot (picocli's line breaks may fall after a dot inside a word:
   * {@code operator.key.} then {@code bak}).
   */
  public static void assertClean(Page page, int width) {
    String what = String.join(" ", page.args()) + ":\n" + page.out() + page.err();
    assertEquals(0, page.exitCode(), what);
    assertEquals("", page.err(), what);
    assertFalse(page.out().contains("WARN"), what);
    assertTrue(page.out().contains("Usage: "), what);
    List<String> lines = page.out().lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      assertTrue(line.length() <= width, line.length() + " columns: " + line + "\nin " + what);
      assertFalse(line.endsWith(" "), "trailing blank: '" + line + "'\nin " + what);
      // A line ending in a path or file name cut after one of its dots ("operator/ca.", "a.key.")
      // whose next line goes on in lower case: picocli broke the word at that dot.
      if (i + 1 < lines.size() && line.matches(".*[./][a-zA-Z0-9]+\\.")) {
        assertFalse(
            lines.get(i + 1).strip().matches("[a-z].*"),
            "a word broken across lines: '" + line + "' / '" + lines.get(i + 1) + "'\nin " + what);
      }
    }
  }
}
