package dev.signet.common.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class SubcommandsTest {
  @Command(name = "tool", mixinStandardHelpOptions = true)
  static final class Tool implements Runnable {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @Override
    public void run() {}
  }

  @Command(name = "renew", aliases = "r")
  static final class Renew implements Runnable {
    @Override
    public void run() {}
  }

  @Command(name = "join")
  static final class Join implements Runnable {
    @Override
    public void run() {}
  }

  private static final Subcommands SUBCOMMANDS =
      new Subcommands(
          Renew.class,
          Join.class,
          CommandLine.HelpCommand.class,
          AutoComplete.GenerateCompletion.class);

  private static List<String> added(String... args) {
    return List.copyOf(
        SUBCOMMANDS.addTo(new CommandLine(new Tool()), args).getSubcommands().keySet());
  }

  @Test
  void aRunThatNamesASubcommandGetsOnlyThatOne() {
    // picocli lists an alias beside the name
    assertEquals(List.of("renew", "r"), added("renew", "--dir", "/etc/kubernetes"));
    assertEquals(List.of("renew", "r"), added("r"), "by its alias");
    assertEquals(List.of("join"), added("--verbose", "join", "renew"), "after a root option");
  }

  @Test
  void helpCompletionTyposAndArgumentFilesGetEverySubcommand() {
    List<String> all = List.of("renew", "r", "join", "help", "generate-completion");
    assertEquals(all, added());
    assertEquals(all, added("--help"));
    assertEquals(all, added("help", "renew"));
    assertEquals(all, added("generate-completion"));
    assertEquals(all, added("rnew"));
    assertEquals(all, added("@args.txt"));
  }

  @Test
  void whatARunPrintsIsTheSameEitherWay() {
    StringWriter typo = new StringWriter();
    CommandLine commandLine = SUBCOMMANDS.addTo(new CommandLine(new Tool()), "rnew");
    commandLine.setErr(new PrintWriter(typo, true));
    assertEquals(2, commandLine.execute("rnew"));
    assertTrue(typo.toString().contains("Did you mean: tool renew"), typo.toString());

    StringWriter help = new StringWriter();
    commandLine = SUBCOMMANDS.addTo(new CommandLine(new Tool()), "help", "renew");
    commandLine.setOut(new PrintWriter(help, true));
    assertEquals(0, commandLine.execute("help", "renew"));
    assertTrue(help.toString().startsWith("Usage: tool renew"), help.toString());
  }

  @Test
  void onlyCommandsAreSubcommands() {
    assertThrows(IllegalArgumentException.class, () -> new Subcommands(String.class));
  }
}
