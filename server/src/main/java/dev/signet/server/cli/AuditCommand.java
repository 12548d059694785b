package dev.signet.server.cli;

import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.CreateCheckpointRequest;
import dev.signet.common.audit.AuditKeyTrust;
import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.common.audit.WitnessException;
import dev.signet.common.audit.WitnessFile;
import dev.signet.server.audit.AuditKey;
import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.audit.JdbcAuditCheckpoints;
import dev.signet.server.audit.WitnessLines;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.daemon.Daemon;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.jdbc.SealedRows;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signetd audit}: checks of the tamper-evident audit trail, and its witness. */
@Command(
    name = "audit",
    description = "Check the audit trail, or export its signed checkpoints to a witness.",
    mixinStandardHelpOptions = true,
    subcommands = {AuditCommand.Verify.class, AuditCommand.Checkpoint.class})
public final class AuditCommand {
  /** How often {@code checkpoint --export --follow} looks for new checkpoints. */
  private static final long FOLLOW_POLL_MILLIS = 1000;

  /** {@code signetd audit verify}. */
  @Command(
      name = "verify",
      description = {
        "Verify the whole audit chain and the chain of signed checkpoints.",
        "",
        "Recomputes each event's hash from its fields and its predecessor, and checks each"
            + " checkpoint's signature with the audit key in the token (so it needs the PIN, like"
            + " serve). Reports the first broken link: a missing, altered or reordered event, a"
            + " truncated chain, a forged or missing checkpoint, none at all, or a newest"
            + " checkpoint older than twice audit.checkpointInterval that is not a stopped"
            + " daemon's last.",
        "",
        "With --witness, also proves that the ledger extends every checkpoint in FILE (JSON lines"
            + " from 'audit checkpoint --export' or Audit.WatchCheckpoints): a rewrite, a"
            + " truncation or an older copy of the database is found even if every checkpoint row"
            + " was deleted.",
        "",
        "Checks the seal of every row that grants power (bootstrap tokens, node registrations,"
            + " Signet API credential records) and names each that fails. Exit code 0 when"
            + " intact, 6 when broken.",
        "",
        "Runs beside a serving signetd too: it reads one snapshot of the ledger and writes"
            + " nothing."
      },
      mixinStandardHelpOptions = true)
  static final class Verify implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Mixin ConfigOption configFile;

    @Option(
        names = "--witness",
        paramLabel = "FILE",
        description = "Checkpoints kept outside the database, one JSON line each.")
    Path witness;

    @Override
    public Integer call() throws Exception {
      SignetdConfig config = configFile.load();
      PrintWriter out = spec.commandLine().getOut();
      try (Daemon daemon = Daemon.openToRead(config, Signetd.keyStore(spec))) {
        AuditKey key = daemon.findAuditKey();
        List<AuditVerifier.Witnessed> witnessed;
        try {
          witnessed = witnessed(witness, key);
        } catch (WitnessException e) {
          out.println("witness " + witness + " does not verify: " + e.getMessage());
          return ExitCode.AUDIT_BROKEN.code();
        }
        AuditVerifier.Report report =
            AuditVerifier.verify(
                daemon.database(),
                AuditVerifier.Expectations.full(
                    key.publicKey(),
                    config.audit().checkpointInterval(),
                    daemon.clock().instant(),
                    witnessed));
        SealedRows.Report rows = daemon.verifyRowSeals();
        rows.broken()
            .forEach(
                row ->
                    out.println(
                        "row "
                            + row
                            + " BROKEN: its seal does not verify (recorded or altered outside"
                            + " signetd; refused)"));
        if (report.intact() && rows.broken().isEmpty()) {
          out.println(
              "audit trail intact: "
                  + report.events()
                  + " events, "
                  + report.checkpoints()
                  + " signed checkpoints verified"
                  + report
                      .newest()
                      .map(
                          newest ->
                              " (newest "
                                  + newest.number()
                                  + ", "
                                  + newest.kind().id()
                                  + ", "
                                  + newest.at()
                                  + ")")
                      .orElse("")
                  + (witness == null
                      ? ""
                      : "; the ledger extends every checkpoint of the witness " + witness));
          out.println("rows that grant power intact: " + rows.rows() + " sealed rows verified");
          return 0;
        }
        report
            .problem()
            .ifPresent(
                problem ->
                    out.println(
                        "audit trail BROKEN at event "
                            + problem.seq()
                            + ": "
                            + problem.description()));
        return ExitCode.AUDIT_BROKEN.code();
      } finally {
        out.flush();
      }
    }

    private static List<AuditVerifier.Witnessed> witnessed(Path file, AuditKey key)
        throws IOException, WitnessException {
      if (file == null) {
        return List.of();
      }
      return WitnessFile.verify(
              Files.readAllLines(file, StandardCharsets.UTF_8),
              AuditKeyTrust.pinned(key.publicKey()))
          .runEnds()
          .stream()
          .map(AuditVerifier.Witnessed::of)
          .toList();
    }
  }

  /** {@code signetd audit checkpoint}. */
  @Command(
      name = "checkpoint",
      description = {
        "Sign a checkpoint now through the running daemon and print it as witness JSON, or,"
            + " with --export, print the ledger's signed checkpoints as witness JSON lines, one"
            + " each, to be kept outside the database (a file on another host, a SIEM, a"
            + " transparency log).",
        "",
        "Each line is self-contained: the statement, the audit key's signature and its"
            + " certificate from the signet-api CA. --export reads the ledger only (no token, no"
            + " PIN).",
        "",
        "Examples:",
        "  signetd audit checkpoint --export -c signetd.yaml >> /mnt/witness/signet.jsonl",
        "  signetd audit checkpoint --export --follow --after 41 -c signetd.yaml | logger"
      },
      mixinStandardHelpOptions = true,
      sortOptions = false)
  static final class Checkpoint implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--export", description = "Print the ledger's checkpoints instead.")
    boolean export;

    @Option(
        names = "--after",
        paramLabel = "NUMBER",
        defaultValue = "0",
        description = "With --export: only checkpoints numbered above NUMBER.")
    long after;

    @Option(
        names = "--follow",
        description =
            "With --export: then print each new checkpoint as it is signed, until stopped.")
    boolean follow;

    @Mixin RunningDaemon daemon;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (!export) {
        dev.signet.api.v1.Checkpoint checkpoint =
            daemon.call(
                "audit checkpoint",
                call ->
                    call.withDeadline(AuditGrpc.newBlockingStub(call.channel()))
                        .createCheckpoint(CreateCheckpointRequest.getDefaultInstance()));
        out.println(checkpoint.getWitnessJson());
        out.flush();
        return 0;
      }
      SignetdConfig config = daemon.configFile.load();
      boolean stopped;
      try (Database database = Database.openToRead(config.ledger())) {
        stopped = export(new JdbcAuditCheckpoints(database), out);
      }
      if (stopped) {
        // restored only now: Hikari leaves an interrupted thread's connections open when closing
        Thread.currentThread().interrupt();
      }
      return 0;
    }

    /** Prints the checkpoints (and with --follow the new ones); true when stopped by interrupt. */
    private boolean export(JdbcAuditCheckpoints checkpoints, PrintWriter out)
        throws LedgerException {
      WitnessLines lines = new WitnessLines(checkpoints);
      long last = Math.max(0, after);
      while (true) {
        List<SignedCheckpoint> page = checkpoints.after(last, 500);
        for (SignedCheckpoint checkpoint : page) {
          out.println(lines.line(checkpoint));
          last = checkpoint.statement().number();
        }
        out.flush();
        if (page.size() < 500) {
          if (!follow) {
            return false;
          }
          try {
            Thread.sleep(FOLLOW_POLL_MILLIS);
          } catch (InterruptedException interrupted) {
            return true;
          }
        }
      }
    }
  }

  private AuditCommand() {}
}
