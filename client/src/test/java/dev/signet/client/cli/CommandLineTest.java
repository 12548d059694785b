package dev.signet.client.cli;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.ExitCode;
import dev.signet.server.testing.Completion;
import dev.signet.server.testing.HelpPages;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** signet's command line as a user meets it: help pages, exit codes, shell completion. */
class CommandLineTest {
  private static final StringWriter SINK = new StringWriter();

  private static List<HelpPages.Page> pages() {
    return HelpPages.all(
        Signet.commandLine(new PrintWriter(SINK), new PrintWriter(SINK)), Signet::run);
  }

  @Test
  void everyHelpPageFitsTheHelpWidthWithoutWarnings() {
    List<HelpPages.Page> pages = pages();

    assertTrue(pages.size() >= 30, pages.size() + " pages");
    assertAll(pages.stream().map(page -> () -> HelpPages.assertClean(page, Signet.HELP_WIDTH)));
  }

  @Test
  void theAgentsHelpShowsItsJitterAsWritten() {
    HelpPages.Page agent =
        pages().stream()
            .filter(p -> p.args().equals(List.of("help", "agent")))
            .findFirst()
            .orElseThrow();

    assertTrue(agent.out().contains("give or take up to 5% of it"), agent.out());
  }

  @Test
  void theTopLevelHelpListsEveryExitCode() {
    String help = pages().get(0).out();

    for (ExitCode code : ExitCode.values()) {
      String start =
          Pattern.quote(code.meaning().substring(0, Math.min(12, code.meaning().length())));
      assertTrue(
          help.lines().anyMatch(l -> l.matches(" +" + code.code() + " +" + start + ".*")),
          code + " in:\n" + help);
    }
  }

  @Test
  void bashCompletesCommandsAndOptions() throws Exception {
    StringWriter script = new StringWriter();
    assertEquals(
        0, Signet.run(new PrintWriter(script), new PrintWriter(SINK), "generate-completion"));

    List<String> commands = Completion.complete(script.toString(), "signet", "");
    assertTrue(
        commands.containsAll(List.of("agent", "control-plane", "join", "renew", "token")),
        commands.toString());
    assertEquals(
        List.of("status"), Completion.complete(script.toString(), "signet", "agent", "st"));
    assertTrue(
        Completion.complete(script.toString(), "signet", "agent", "--")
            .containsAll(List.of("--dir", "--metrics-listen", "--config")));
  }
}
