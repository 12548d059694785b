package dev.signet.server.cli;

import dev.signet.api.v1.RotationPhase;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --phase} option of the rotate commands ({@code ca rotate}, {@code sa-key rotate}). */
public final class RotationPhaseOption {
  private static final Map<String, RotationPhase> PHASES =
      Map.of(
          "prepare", RotationPhase.ROTATION_PHASE_PREPARE,
          "activate", RotationPhase.ROTATION_PHASE_ACTIVATE,
          "retire", RotationPhase.ROTATION_PHASE_RETIRE,
          "rollback", RotationPhase.ROTATION_PHASE_ROLLBACK);

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--phase",
      required = true,
      paramLabel = "PHASE",
      description = "prepare, activate, retire or rollback.")
  String name;

  /** The phase named, or a usage error that lists the phases. */
  RotationPhase phase() {
    return choose(spec, "--phase", name, PHASES);
  }

  /** The choice {@code value} names (case-insensitive), or a usage error that lists them. */
  static <T> T choose(CommandSpec spec, String what, String value, Map<String, T> choices) {
    T chosen = choices.get(value.toLowerCase(Locale.ROOT));
    if (chosen == null) {
      throw new ParameterException(
          spec.commandLine(),
          what
              + ": '"
              + value
              + "' is none of "
              + String.join(", ", choices.keySet().stream().sorted().toList()));
    }
    return chosen;
  }
}
