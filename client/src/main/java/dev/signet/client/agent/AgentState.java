package dev.signet.client.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.signet.client.files.Json;
import dev.signet.client.node.Table;
import dev.signet.common.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the agent knows about the certificates it manages, written atomically to {@code
 * DIR/.signet/agent-state.json} after every pass, so that {@code signet agent status} can show it
 * without asking the agent, and rendered as metrics. It holds no secret.
 */
public record AgentState(
    long pid,
    Instant started,
    Instant updated,
    Optional<Instant> lastContact,
    int contactFailuresInARow,
    long hookRuns,
    long hookFailures,
    List<Certificate> certificates,
    List<CaFile> caFiles) {
  public static final String FILE = ".signet/agent-state.json";
  private static final int VERSION = 1;

  /**
   * One managed certificate: where it is, when it expires and will be renewed, and how its last
   * attempts went. {@code expires} and {@code serial} are empty when its files are missing or
   * unreadable.
   */
  public record Certificate(
      String name,
      String file,
      String serial,
      Optional<Instant> expires,
      Instant nextRenewal,
      String lastResult,
      Optional<Instant> lastSuccess,
      long renewals,
      long failures,
      int failuresInARow) {}

  /** A CA file the agent keeps equal to signetd's bundle of its trust domain. */
  public record CaFile(String domain, String file, int certificates, Optional<Instant> changed) {}

  public static Path file(Path root) {
    return root.resolve(FILE);
  }

  public Optional<Certificate> certificate(String name) {
    return certificates.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /** Writes the state into {@code root} atomically. */
  public void write(Path root) throws IOException {
    ObjectNode document = Json.MAPPER.createObjectNode().put("version", VERSION);
    document.setAll((ObjectNode) Json.MAPPER.valueToTree(this));
    AtomicFiles.write(
        file(root), Json.write(document).getBytes(StandardCharsets.UTF_8), AtomicFiles.PUBLIC);
  }

  /** The state file's text, as {@code signet agent status -o json} prints it. */
  public static Optional<String> readText(Path root) throws IOException {
    try {
      return Optional.of(Files.readString(file(root), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** Reads the state of {@code root}; empty when the agent has never written one there. */
  public static Optional<AgentState> read(Path root) throws IOException {
    Optional<String> text = readText(root);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode document = Json.MAPPER.readTree(text.get());
      if (!document.path("version").isInt() || document.get("version").intValue() != VERSION) {
        throw new IOException("version " + document.get("version") + " is not " + VERSION);
      }
      ((ObjectNode) document).remove("version");
      return Optional.of(Json.MAPPER.treeToValue(document, AgentState.class));
    } catch (IOException | RuntimeException e) {
      throw new IOException("unreadable agent state " + file(root) + ": " + e.getMessage(), e);
    }
  }

  /** The table {@code signet agent status} prints. */
  public String table(Instant now) {
    StringBuilder out = new StringBuilder();
    boolean running = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    out.append("Agent pid ")
        .append(pid)
        .append(running ? " (running)" : " (not running)")
        .append(", started ")
        .append(at(started))
        .append(", state of ")
        .append(at(updated))
        .append(" (")
        .append(Math.max(0, now.getEpochSecond() - updated.getEpochSecond()))
        .append(" s ago).\n");
    out.append("signetd last reached: ").append(lastContact.map(AgentState::at).orElse("never"));
    if (contactFailuresInARow > 0) {
      out.append(", then ").append(contactFailuresInARow).append(" failed attempts in a row");
    }
    out.append(". Hooks run: ")
        .append(hookRuns)
        .append(", failed: ")
        .append(hookFailures)
        .append(".\n\n");
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "NAME", "EXPIRES", "NEXT RENEWAL", "RENEWALS", "FAILURES IN A ROW", "LAST RESULT"
        });
    for (Certificate c : certificates) {
      rows.add(
          new String[] {
            c.name(),
            c.expires().map(AgentState::at).orElse("!MISSING!"),
            at(c.nextRenewal()),
            String.valueOf(c.renewals()),
            String.valueOf(c.failuresInARow()),
            c.lastResult()
          });
    }
    out.append(Table.columns(rows)).append('\n');
    List<String[]> files = new ArrayList<>();
    files.add(
        new String[] {"CA FILE", "TRUST DOMAIN", "CERTIFICATES", "LAST CHANGED BY THE AGENT"});
    for (CaFile f : caFiles) {
      files.add(
          new String[] {
            f.file(),
            f.domain(),
            String.valueOf(f.certificates()),
            f.changed().map(AgentState::at).orElse("-")
          });
    }
    out.append(Table.columns(files));
    return out.toString();
  }

  /** An instant to the second, in UTC: what a table needs. */
  private static String at(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
