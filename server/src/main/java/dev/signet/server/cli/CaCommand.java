package dev.signet.server.cli;

import dev.signet.api.v1.CaGeneration;
import dev.signet.api.v1.CaGrpc;
import dev.signet.api.v1.CaStatus;
import dev.signet.api.v1.GetCaStatusRequest;
import dev.signet.api.v1.RotateCaRequest;
import dev.signet.api.v1.RotationPhase;
import dev.signet.api.v1.TrustDomain;
import dev.signet.server.x509.X509;
import java.io.PrintWriter;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code signetd ca}: the cluster CAs of a running daemon, rotated without downtime. */
@Command(
    name = "ca",
    description = "Rotate a cluster CA of the running daemon, or show its generations.",
    mixinStandardHelpOptions = true,
    subcommands = {CaCommand.Rotate.class, CaCommand.Status.class})
public final class CaCommand {
  private static final Map<String, TrustDomain> DOMAINS =
      Map.of(
          "kubernetes", TrustDomain.TRUST_DOMAIN_KUBERNETES,
          "etcd", TrustDomain.TRUST_DOMAIN_ETCD,
          "front-proxy", TrustDomain.TRUST_DOMAIN_FRONT_PROXY);
  private static final Map<String, RotationPhase> PHASES =
      Map.of(
          "prepare", RotationPhase.ROTATION_PHASE_PREPARE,
          "activate", RotationPhase.ROTATION_PHASE_ACTIVATE,
          "retire", RotationPhase.ROTATION_PHASE_RETIRE,
          "rollback", RotationPhase.ROTATION_PHASE_ROLLBACK);

  /** {@code signetd ca rotate CA --phase ...}. */
  @Command(
      name = "rotate",
      description = {
        "Move a CA's rotation to its next phase (ca-admin), through the running daemon. Each"
            + " phase is audited.",
        "  prepare   a new key pair in the token and a new CA certificate; every trust bundle",
        "            signetd hands out (and agents write) holds the old and the new CA.",
        "  activate  the new CA signs all new certificates; agents re-issue their leaves.",
        "  retire    the old CA leaves the bundles, once no unexpired certificate it issued",
        "            remains (or with --force, audited).",
        "  rollback  undoes the last prepare or activate."
      },
      footer = {
        "%nExample:",
        "  signetd ca rotate etcd --phase prepare --cross-sign -c /etc/signet/signetd.yaml"
      },
      mixinStandardHelpOptions = true,
      sortOptions = false)
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "CA", description = "kubernetes, etcd or front-proxy.")
    String ca;

    @Option(
        names = "--phase",
        required = true,
        paramLabel = "PHASE",
        description = "prepare, activate, retire or rollback.")
    String phase;

    @Option(
        names = "--cross-sign",
        description =
            "With prepare: also cross-sign the new CA with the current one, for clients that trust only the old.")
    boolean crossSign;

    @Option(
        names = "--force",
        description =
            "With retire: retire although certificates the old CA issued are still unexpired.")
    boolean force;

    @Mixin RunningDaemon daemon;

    @Override
    public Integer call() throws Exception {
      TrustDomain domain = choose(spec, "CA", ca, DOMAINS);
      RotationPhase rotation = choose(spec, "--phase", phase, PHASES);
      RotateCaRequest request =
          RotateCaRequest.newBuilder()
              .setTrustDomain(domain)
              .setPhase(rotation)
              .setCrossSign(crossSign)
              .setForce(force)
              .build();
      CaStatus status =
          daemon.call(
              "ca rotate " + ca + " --phase " + phase,
              call -> call.withDeadline(CaGrpc.newBlockingStub(call.channel())).rotateCa(request));
      PrintWriter out = spec.commandLine().getOut();
      out.println(ca + " CA: " + phase + " done");
      print(out, status);
      return 0;
    }
  }

  /** {@code signetd ca status CA}. */
  @Command(
      name = "status",
      description = "Show a CA's generations and their rotation states.",
      mixinStandardHelpOptions = true)
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "CA", description = "kubernetes, etcd or front-proxy.")
    String ca;

    @Mixin RunningDaemon daemon;

    @Override
    public Integer call() throws Exception {
      TrustDomain domain = choose(spec, "CA", ca, DOMAINS);
      GetCaStatusRequest request = GetCaStatusRequest.newBuilder().setTrustDomain(domain).build();
      CaStatus status =
          daemon.call(
              "ca status " + ca,
              call ->
                  call.withDeadline(CaGrpc.newBlockingStub(call.channel())).getCaStatus(request));
      print(spec.commandLine().getOut(), status);
      return 0;
    }
  }

  private static <T> T choose(CommandSpec spec, String what, String value, Map<String, T> choices) {
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

  private static void print(PrintWriter out, CaStatus status) {
    out.printf(
        "%-4s %-10s %-21s %-21s %6s  %s%n",
        "GEN", "STATE", "NOT AFTER", "CHANGED", "LIVE", "KEY LABEL / SUBJECT");
    for (CaGeneration generation : status.getGenerationsList()) {
      X509Certificate certificate = X509.parse(generation.getCertificateDer().toByteArray());
      out.printf(
          "%-4d %-10s %-21s %-21s %6d  %s / %s%s%n",
          generation.getGeneration(),
          generation.getState().name().replace("CA_STATE_", "").toLowerCase(Locale.ROOT),
          certificate.getNotAfter().toInstant(),
          Instant.ofEpochSecond(generation.getChangedAt().getSeconds()),
          generation.getLiveCertificates(),
          generation.getKeyLabel(),
          certificate.getSubjectX500Principal().getName(),
          generation.getCrossCertificateDer().isEmpty()
              ? ""
              : " (cross-signed by its predecessor)");
    }
    out.flush();
  }
}
