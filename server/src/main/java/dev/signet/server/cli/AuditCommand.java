package dev.signet.server.cli;

import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.daemon.Daemon;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code signetd audit}: checks of the tamper-evident audit trail. */
@Command(
    name = "audit",
    description = "Check the audit trail.",
    mixinStandardHelpOptions = true,
    subcommands = {AuditCommand.Verify.class})
public final class AuditCommand {
  /** {@code signetd audit verify}. */
  @Command(
      name = "verify",
      description = {
        "Verify the whole audit chain and every signed checkpoint.",
        "",
        "Recomputes each event's hash from its fields and its predecessor, and checks each"
            + " checkpoint's signature with the audit key in the token (so it needs the PIN, like"
            + " serve). Reports the first broken link: a missing, altered or reordered event, a"
            + " truncated chain, or a forged checkpoint. Exit code 0 when intact, 6 when broken.",
        "",
        "Runs beside a serving signetd too: it reads one snapshot of the ledger and writes"
            + " nothing."
      },
      mixinStandardHelpOptions = true)
  static final class Verify implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOption configFile;

    @Override
    public Integer call() throws Exception {
      SignetdConfig config = configFile.load();
      PrintWriter out = spec.commandLine().getOut();
      try (Daemon daemon = Daemon.openToRead(config, Signetd.keyStore(spec))) {
        AuditVerifier.Report report =
            AuditVerifier.verify(
                daemon.database(), Optional.of(AuditVerifier.CheckpointKey.of(daemon.auditKey())));
        if (report.intact()) {
          out.println(
              "audit trail intact: "
                  + report.events()
                  + " events, "
                  + report.checkpoints()
                  + " signed checkpoints verified");
          return 0;
        }
        out.println(
            "audit trail BROKEN at event "
                + report.problem().get().seq()
                + ": "
                + report.problem().get().description());
        return ExitCode.AUDIT_BROKEN.code();
      } finally {
        out.flush();
      }
    }
  }
}
