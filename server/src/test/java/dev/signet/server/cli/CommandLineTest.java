package dev.signet.server.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.server.daemon.Daemon;
import dev.signet.server.testing.Completion;
import dev.signet.server.testing.HelpPages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** signetd's command line as a user meets it: help pages, exit codes, shell completion. */
class CommandLineTest {
  private static final StringWriter SINK = new StringWriter();

  @Test
  void everyHelpPageFitsTheHelpWidthWithoutWarnings() {
    List<HelpPages.Page> pages =
        HelpPages.all(
            Signetd.commandLine(Daemon.PKCS11, new PrintWriter(SINK), new PrintWriter(SINK)),
            CommandLineTest::run);

    assertTrue(pages.size() >= 14, pages.size() + " pages");
    assertAll(pages.stream().map(page -> () -> HelpPages.assertClean(page, Signetd.HELP_WIDTH)));
  }

  @Test
  void theTopLevelHelpListsEveryExitCode() {
    String help =
        HelpPages.all(
                Signetd.commandLine(Daemon.PKCS11, new PrintWriter(SINK), new PrintWriter(SINK)),
                CommandLineTest::run)
            .get(0)
            .out();

    assertTrue(help.contains("\nExit codes:\n"), help);
    for (ExitCode code : ExitCode.values()) {
      assertTrue(
          help.lines()
              .anyMatch(l -> l.matches(" +" + code.code() + " +" + firstWords(code) + ".*")),
          code + " in:\n" + help);
    }
  }

  @Test
  void bashCompletesCommandsAndOptions() throws Exception {
    StringWriter script = new StringWriter();
    assertEquals(0, run(new PrintWriter(script), new PrintWriter(SINK), "generate-completion"));

    assertEquals(
        List.of("audit", "ca", "generate-completion", "help", "init", "sa-key", "serve"),
        Completion.complete(script.toString(), "signetd", ""));
    assertEquals(List.of("rotate"), Completion.complete(script.toString(), "signetd", "ca", "ro"));
    assertTrue(
        Completion.complete(script.toString(), "signetd", "ca", "rotate", "--")
            .containsAll(List.of("--phase", "--cross-sign", "--force", "--config")));
  }

  /** signetd with the token's key store, which no help page or completion opens. */
  private static int run(PrintWriter out, PrintWriter err, String... args) {
    return Signetd.run(Daemon.PKCS11, out, err, args);
  }

  private static String firstWords(ExitCode code) {
    return Pattern.quote(code.meaning().substring(0, Math.min(12, code.meaning().length())));
  }
}
