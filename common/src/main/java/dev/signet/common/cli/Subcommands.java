package dev.signet.common.cli;

import java.util.Arrays;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A command line's subcommands, added only as a run needs them. picocli builds a subcommand's model
 * from its annotations (options, mixins, their converters) when the subcommand is added; for
 * signetd and signet that was about a fifth of a short run's start-up CPU, almost all of it for
 * subcommands the run never used. A run that names a subcommand gets that one; help, completion and
 * anything that names none (no arguments, an argument file, a typo picocli offers a correction for)
 * get them all, so what those print does not change.
 */
public final class Subcommands {
  private final List<Class<?>> all;

  /** The subcommands, in the order help lists them; each is a {@link Command}. */
  public Subcommands(Class<?>... all) {
    this.all = List.of(all);
    for (Class<?> subcommand : this.all) {
      if (!subcommand.isAnnotationPresent(Command.class)) {
        throw new IllegalArgumentException(subcommand + " is not a picocli @Command");
      }
    }
  }

  /**
   * Adds to {@code commandLine} the subcommand {@code args} run, or every subcommand if they run
   * none or one that reads the others. Call before any setting that picocli copies to the
   * subcommands present (streams, help width, handlers).
   */
  public CommandLine addTo(CommandLine commandLine, String... args) {
    Class<?> named = named(args);
    for (Class<?> subcommand : named == null ? all : List.of(named)) {
      commandLine.addSubcommand(subcommand);
    }
    return commandLine;
  }

  /**
   * The subcommand the first argument that is not an option names, or null. The root commands have
   * no positional parameters and no options that take a value, so that argument is the subcommand.
   */
  private Class<?> named(String... args) {
    for (String arg : args) {
      if (arg.startsWith("@")) {
        return null; // an argument file: its contents could name any subcommand
      }
      if (!arg.startsWith("-")) {
        return all.stream()
            .filter(subcommand -> isNamed(subcommand, arg))
            .findFirst()
            .filter(Subcommands::standsAlone)
            .orElse(null);
      }
    }
    return null;
  }

  private static boolean isNamed(Class<?> subcommand, String name) {
    Command command = subcommand.getAnnotation(Command.class);
    return command.name().equals(name) || Arrays.asList(command.aliases()).contains(name);
  }

  /** help and generate-completion describe the other subcommands. */
  private static boolean standsAlone(Class<?> subcommand) {
    return subcommand != CommandLine.HelpCommand.class
        && subcommand != AutoComplete.GenerateCompletion.class;
  }
}
