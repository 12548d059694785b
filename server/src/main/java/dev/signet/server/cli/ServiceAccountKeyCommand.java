package dev.signet.server.cli;

import dev.signet.api.v1.GetServiceAccountKeysRequest;
import dev.signet.api.v1.RotateServiceAccountKeyRequest;
import dev.signet.api.v1.RotationPhase;
import dev.signet.api.v1.ServiceAccountKey;
import dev.signet.api.v1.ServiceAccountKeyStatus;
import dev.signet.api.v1.ServiceAccountKeysGrpc;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code signetd sa-key}: the service-account token signing key of a running daemon. */
@Command(
    name = "sa-key",
    description = "Rotate the service-account token signing key, or show its generations.",
    mixinStandardHelpOptions = true,
    subcommands = {ServiceAccountKeyCommand.Rotate.class, ServiceAccountKeyCommand.Status.class})
public final class ServiceAccountKeyCommand {
  private static final Map<String, RotationPhase> PHASES =
      Map.of(
          "prepare", RotationPhase.ROTATION_PHASE_PREPARE,
          "activate", RotationPhase.ROTATION_PHASE_ACTIVATE,
          "retire", RotationPhase.ROTATION_PHASE_RETIRE,
          "rollback", RotationPhase.ROTATION_PHASE_ROLLBACK);

  /** {@code signetd sa-key rotate --phase ...}. */
  @Command(
      name = "rotate",
      description = {
        "Move the signing key's rotation to its next phase (ca-admin), through the running daemon:",
        "  prepare   a new key in the token, published to kube-apiserver (FetchKeys) for",
        "            verification; the current key still signs.",
        "  activate  the new key signs; the old one stays published. Refused until",
        "            kube-apiserver has had two key refresh intervals to fetch the new key.",
        "  retire    the old key is no longer published. Refused until every token it",
        "            signed has expired (serviceAccount.maxTokenExpiration after activate).",
        "  rollback  undoes the last prepare or activate.",
        "Each phase is audited. Example:",
        "  signetd sa-key rotate --phase prepare -c /etc/signet/signetd.yaml"
      },
      mixinStandardHelpOptions = true,
      sortOptions = false)
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--phase",
        required = true,
        paramLabel = "PHASE",
        description = "prepare, activate, retire or rollback.")
    String phase;

    @Option(
        names = "--force",
        description = "With activate or retire: do it although the wait is not over (audited).")
    boolean force;

    @Mixin RunningDaemon daemon;

    @Override
    public Integer call() throws Exception {
      RotationPhase rotation = PHASES.get(phase.toLowerCase(Locale.ROOT));
      if (rotation == null) {
        throw new ParameterException(
            spec.commandLine(),
            "--phase: '" + phase + "' is none of activate, prepare, retire, rollback");
      }
      RotateServiceAccountKeyRequest request =
          RotateServiceAccountKeyRequest.newBuilder().setPhase(rotation).setForce(force).build();
      ServiceAccountKeyStatus status =
          daemon.call(
              "sa-key rotate --phase " + phase,
              call ->
                  call.withDeadline(ServiceAccountKeysGrpc.newBlockingStub(call.channel()))
                      .rotateServiceAccountKey(request));
      PrintWriter out = spec.commandLine().getOut();
      out.println("service-account key: " + phase + " done");
      print(out, status);
      return 0;
    }
  }

  /** {@code signetd sa-key status}. */
  @Command(
      name = "status",
      description = "Show the signing key's generations, states and key ids.",
      mixinStandardHelpOptions = true)
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin RunningDaemon daemon;

    @Override
    public Integer call() throws Exception {
      ServiceAccountKeyStatus status =
          daemon.call(
              "sa-key status",
              call ->
                  call.withDeadline(ServiceAccountKeysGrpc.newBlockingStub(call.channel()))
                      .getServiceAccountKeys(GetServiceAccountKeysRequest.getDefaultInstance()));
      print(spec.commandLine().getOut(), status);
      return 0;
    }
  }

  private static void print(PrintWriter out, ServiceAccountKeyStatus status) {
    out.printf(
        "%-4s %-9s %-5s %-21s %-21s %-43s %s%n",
        "GEN", "STATE", "ALG", "CHANGED", "READY", "KEY ID", "KEY LABEL");
    for (ServiceAccountKey key : status.getGenerationsList()) {
      out.printf(
          "%-4d %-9s %-5s %-21s %-21s %-43s %s%n",
          key.getGeneration(),
          key.getState().name().replace("CA_STATE_", "").toLowerCase(Locale.ROOT),
          key.getAlgorithm(),
          Instant.ofEpochSecond(key.getChangedAt().getSeconds()),
          key.hasReadyAt() ? Instant.ofEpochSecond(key.getReadyAt().getSeconds()) : "-",
          key.getKeyId(),
          key.getKeyLabel());
    }
    if (status.getLegacyPublicKeysDerCount() > 0) {
      out.println(
          status.getLegacyPublicKeysDerCount()
              + " public key(s) of an earlier signer, published for verification only");
    }
    out.flush();
  }
}
