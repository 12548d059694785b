package dev.signet.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Writes a signetd.yaml for a test daemon: loopback, a free port, this token. */
public final class DaemonConfig {
  private String algorithm = "ecdsa-p256";
  private String library = "/usr/lib/softhsm/libsofthsm2.so";
  private String validity = "8760h";
  private String backdate = "5m";
  private String apiCredentialValidity = "8760h";
  private int port;
  private String ledgerUrl = "jdbc:sqlite:ledger.db";
  private String ledgerCredentials = "";
  private String ledgerDurabilityCheck = "";
  private int enrollmentCalls = 16;
  private final List<String> extraLines = new ArrayList<>();

  /**
   * Per-source limits of the enrollment port: every test client comes from 127.0.0.1, so tests that
   * are not about those limits run as if each client had its own address.
   */
  private final Map<String, String> enrollmentSettings =
      new LinkedHashMap<>(
          Map.of(
              "maxCallsPerPeer", "" + enrollmentCalls,
              "maxConnectionsPerPeer", "512",
              "callsPerSecondPerPeer", "10000",
              "callBurstPerPeer", "100000"));

  public DaemonConfig algorithm(String algorithm) {
    this.algorithm = algorithm;
    return this;
  }

  /** Another PKCS#11 library, e.g. pkcs11-spy in front of SoftHSM2. */
  public DaemonConfig library(String library) {
    this.library = library;
    return this;
  }

  public DaemonConfig validity(String validity) {
    this.validity = validity;
    return this;
  }

  /**
   * issuance.backdate: how far before the issuing moment NotBefore lies. NotAfter is the issuing
   * moment plus the validity, so a certificate lives the backdate plus the validity, and falls due
   * for renewal at two thirds of that.
   */
  public DaemonConfig backdate(String backdate) {
    this.backdate = backdate;
    return this;
  }

  /**
   * issuance.apiCredentialValidity: Signet API credentials, the operator's and the daemon's
   * included.
   */
  public DaemonConfig apiCredentialValidity(String validity) {
    this.apiCredentialValidity = validity;
    return this;
  }

  /**
   * A fixed port on 127.0.0.1 (default: a free one), so that a restarted daemon is where clients
   * left it.
   */
  public DaemonConfig port(int port) {
    this.port = port;
    return this;
  }

  /** enrollment.maxConcurrentCalls (one test client may take them all, unless set otherwise) */
  public DaemonConfig enrollmentCalls(int calls) {
    this.enrollmentCalls = calls;
    enrollmentSettings.replace("maxCallsPerPeer", "" + calls);
    return this;
  }

  public DaemonConfig ledgerUrl(String url) {
    this.ledgerUrl = url;
    return this;
  }

  /** A PostgreSQL ledger: its URL, user, and the file holding the password. */
  public DaemonConfig postgresLedger(String url, String user, Path passwordFile) {
    this.ledgerUrl = url;
    this.ledgerCredentials =
        "\n  user: \"" + user + "\"\n  password: \"file:" + passwordFile + "\"";
    return this;
  }

  /** ledger.durabilityCheckInterval (PostgreSQL). */
  public DaemonConfig ledgerDurabilityCheck(String interval) {
    this.ledgerDurabilityCheck = "\n  durabilityCheckInterval: " + interval;
    return this;
  }

  /**
   * Settings of the enrollment section ("maxCallsPerPeer: 16"), besides listen and its calls; they
   * replace the generous per-source limits tests have by default.
   */
  public DaemonConfig enrollment(String... settings) {
    for (String setting : settings) {
      int colon = setting.indexOf(':');
      enrollmentSettings.put(
          setting.substring(0, colon).trim(), setting.substring(colon + 1).trim());
    }
    return this;
  }

  /** The enrollment port's shipped per-source limits, not the generous ones tests have. */
  public DaemonConfig shippedEnrollmentLimits() {
    enrollmentSettings.clear();
    return this;
  }

  /** Top-level YAML lines appended verbatim (a whole section such as "limits:\n ..."). */
  public DaemonConfig extra(String yaml) {
    extraLines.add(yaml);
    return this;
  }

  /** Writes signetd.yaml into the token's directory, next to its files. */
  public Path writeTo(TestToken token) throws IOException {
    return writeTo(token, token.directory());
  }

  /**
   * Writes signetd.yaml into {@code directory}, where the daemon then keeps its ledger and
   * credentials: several daemons can share one token directory, each with its own directory.
   */
  public Path writeTo(TestToken token, Path directory) throws IOException {
    return write(token.label(), token.userPinFile(), directory);
  }

  /**
   * Writes signetd.yaml into {@code directory} for a daemon whose keys are not in a token (an
   * in-process {@link TestDaemon}): its hsm section names a token nobody opens.
   */
  public Path writeTo(Path directory) throws IOException {
    return write("in-memory", directory.resolve("user.pin"), directory);
  }

  private Path write(String tokenLabel, Path pinFile, Path directory) throws IOException {
    String yaml =
        String.join(
            "\n",
            "listen: \"127.0.0.1:" + port + "\"",
            "hsm:",
            "  library: " + library,
            "  token: \"pkcs11:token=" + tokenLabel + "\"",
            "  pin: \"file:" + pinFile + "\"",
            "cas:",
            "  algorithm: " + algorithm,
            "ledger:",
            "  url: \"" + ledgerUrl + "\"" + ledgerCredentials + ledgerDurabilityCheck,
            "issuance:",
            "  validity: " + validity,
            "  backdate: " + backdate,
            "  apiCredentialValidity: " + apiCredentialValidity,
            "enrollment:",
            "  listen: \"127.0.0.1:0\"",
            "  maxConcurrentCalls: " + enrollmentCalls,
            enrollmentSettings.entrySet().stream()
                .map(setting -> "  " + setting.getKey() + ": " + setting.getValue())
                .collect(Collectors.joining("\n")),
            String.join("\n", extraLines),
            "");
    Files.createDirectories(directory);
    Path file = directory.resolve("signetd.yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
