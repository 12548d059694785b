package dev.signet.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import dev.signet.api.v1.AuditEventRecord;
import dev.signet.api.v1.VerifyAuditResponse;
import dev.signet.api.v1.WitnessedCheckpoint;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.audit.AuditKeyTrust;
import dev.signet.common.audit.EventHash;
import dev.signet.common.audit.SignedCheckpoint;
import dev.signet.common.audit.WitnessException;
import dev.signet.common.audit.WitnessFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code signet audit}: an auditor's view of signetd's tamper-evident audit trail. */
@Command(
    name = "audit",
    header = "Verify signetd's audit trail against a witness, or export its events (auditor).",
    subcommands = {
      AuditCommand.Verify.class,
      AuditCommand.Export.class,
      CommandLine.HelpCommand.class
    })
public final class AuditCommand implements Runnable {
  /** Most witnessed checkpoints one VerifyAudit call takes. */
  private static final int MAX_WITNESSED = 256;

  private static final int EXPORT_PAGE = 1000;

  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required: verify or export");
  }

  /** {@code signet audit verify}. */
  @Command(
      name = "verify",
      header = "Have signetd verify its audit trail, and prove its ledger extends a witness.",
      description = {
        "signetd recomputes the hash chain of every event, checks the chain of signed checkpoints"
            + " (none missing, each signed by the audit key, the newest recent unless the daemon stopped)"
            + " and names the first broken link.",
        "With --witness FILE (checkpoints kept outside the database: JSON lines from"
            + " `signetd audit checkpoint --export` or the Audit API's stream), signet first checks every"
            + " line itself: its signature under the audit key, whose certificate must come from the"
            + " signet-api CA of --ca-bundle, and that consecutive checkpoints name each other. Then"
            + " signetd proves its ledger holds each witnessed checkpoint and matches its events: a"
            + " rewrite, a truncation or an older copy of the database is found even when every"
            + " checkpoint row was deleted."
      },
      sortOptions = false,
      footer = {
        "%nExit code 0 when intact, 9 when the trail or the witness does not verify.",
        "Example:",
        "  signet audit verify --witness /mnt/witness/signet.jsonl --config auditor.yaml"
      })
  public static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Option(
        names = "--witness",
        paramLabel = "FILE",
        description = "Checkpoints kept outside the database, one JSON line each.")
    Path witness;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (SignetClient client = connection.connect()) {
        List<WitnessedCheckpoint> witnessed = witnessed(client);
        VerifyAuditResponse response = client.verifyAudit(witnessed);
        if (!response.getIntact()) {
          throw new SignetException(
              ExitCode.AUDIT_BROKEN,
              "audit trail BROKEN at event "
                  + response.getBrokenAt()
                  + ": "
                  + response.getProblem());
        }
        out.println(
            "audit trail intact: "
                + response.getEvents()
                + " events, "
                + response.getCheckpoints()
                + " signed checkpoints verified"
                + (response.getNewestCheckpoint() == 0
                    ? ""
                    : " (newest "
                        + response.getNewestCheckpoint()
                        + ", "
                        + instant(response.getNewestCheckpointAt())
                        + ")")
                + (witness == null
                    ? ""
                    : "; the ledger extends every checkpoint of the witness " + witness));
        return 0;
      }
    }

    /** The newest checkpoint of each run in the witness, after checking every line. */
    private List<WitnessedCheckpoint> witnessed(SignetClient client) {
      if (witness == null) {
        return List.of();
      }
      List<String> lines;
      try {
        lines = Files.readAllLines(witness, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new SignetException(
            ExitCode.USAGE,
            "cannot read the witness " + witness + ": " + SignetException.describe(e));
      }
      List<SignedCheckpoint> runEnds;
      try {
        runEnds = WitnessFile.verify(lines, AuditKeyTrust.certifiedBy(client.caBundle())).runEnds();
      } catch (WitnessException e) {
        throw new SignetException(
            ExitCode.AUDIT_BROKEN,
            "the witness " + witness + " does not verify: " + e.getMessage());
      }
      if (runEnds.size() > MAX_WITNESSED) {
        throw new SignetException(
            ExitCode.USAGE,
            "the witness "
                + witness
                + " has "
                + runEnds.size()
                + " runs of consecutive checkpoints; signetd takes at most "
                + MAX_WITNESSED
                + ": fill its gaps (signetd audit checkpoint --export) or split it");
      }
      return runEnds.stream()
          .map(SignedCheckpoint::statement)
          .map(
              statement ->
                  WitnessedCheckpoint.newBuilder()
                      .setNumber(statement.number())
                      .setSeq(statement.seq())
                      .setEventHash(statement.eventHash())
                      .setStatementHash(statement.hash())
                      .build())
          .toList();
    }
  }

  /** {@code signet audit export}. */
  @Command(
      name = "export",
      header = "Print audit events with their chain hashes, one JSON object per line (for a SIEM).",
      description = {
        "Each line: seq, at, caller, callerRole, action, profile, nodeName, decision, reason,"
            + " detail, serial, requestId, tokenId, previousHash and hash. signet recomputes every"
            + " hash from the event's fields and its predecessor (see the README) as it goes, and"
            + " stops with exit code 9 at the first event that does not match, so a SIEM only ever"
            + " receives a consistent chain.",
        "Run it again with --since set to the last seq received to get only what is new."
      },
      sortOptions = false,
      footer = {
        "%nExample:",
        "  signet audit export --since 41200 -o jsonl --config auditor.yaml >> signet-audit.jsonl"
      })
  public static final class Export implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Option(
        names = "--since",
        paramLabel = "SEQ",
        defaultValue = "0",
        description = "Only events after sequence number SEQ. Default: 0, all.")
    long since;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FORMAT",
        defaultValue = "jsonl",
        description = "jsonl (the only format): one JSON object per line.")
    String output;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      if (!output.equals("jsonl")) {
        throw new SignetException(ExitCode.USAGE, "--output must be jsonl, not '" + output + "'");
      }
      if (since < 0) {
        throw new SignetException(ExitCode.USAGE, "--since must be 0 or a sequence number");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (SignetClient client = connection.connect()) {
        long after = since;
        String previous = null;
        while (true) {
          List<AuditEventRecord> page = client.auditEvents(after, EXPORT_PAGE);
          for (AuditEventRecord event : page) {
            check(event, previous);
            out.println(line(event));
            previous = event.getHash();
            after = event.getSeq();
          }
          out.flush();
          if (page.size() < EXPORT_PAGE) {
            return 0;
          }
        }
      }
    }

    /** Fails at an event that is not the next link of the chain. */
    private static void check(AuditEventRecord event, String previous) {
      String expected =
          EventHash.of(
              event.getPreviousHash(),
              event.getSeq(),
              instant(event.getAt()).toEpochMilli(),
              List.of(
                  event.getCaller(),
                  event.getCallerRole(),
                  event.getAction(),
                  event.getProfile(),
                  event.getNodeName(),
                  event.getDecision(),
                  event.getReason(),
                  event.getDetail(),
                  event.getSerial(),
                  event.getRequestId(),
                  event.getTokenId()));
      if (!expected.equals(event.getHash())
          || (previous != null && !previous.equals(event.getPreviousHash()))) {
        throw new SignetException(
            ExitCode.AUDIT_BROKEN,
            "audit event "
                + event.getSeq()
                + " does not match its hash or its predecessor: the trail was altered; run"
                + " `signet audit verify` for the first broken link");
      }
    }

    private static String line(AuditEventRecord event) {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("seq", event.getSeq());
      fields.put("at", instant(event.getAt()).toString());
      fields.put("caller", event.getCaller());
      fields.put("callerRole", event.getCallerRole());
      fields.put("action", event.getAction());
      fields.put("profile", event.getProfile());
      fields.put("nodeName", event.getNodeName());
      fields.put("decision", event.getDecision());
      fields.put("reason", event.getReason());
      fields.put("detail", event.getDetail());
      fields.put("serial", event.getSerial());
      fields.put("requestId", event.getRequestId());
      fields.put("tokenId", event.getTokenId());
      fields.put("previousHash", event.getPreviousHash());
      fields.put("hash", event.getHash());
      try {
        return JSON.writeValueAsString(fields);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
