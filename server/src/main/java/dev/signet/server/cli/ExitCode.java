package dev.signet.server.cli;

/**
 * Every exit code {@code signetd} returns, in one place: supervisors branch on them (the systemd
 * unit restarts on 75 and never on 4), and {@code signetd --help} lists them from here.
 */
public enum ExitCode {
  OK(0, "success"),
  UNEXPECTED(1, "unexpected error (its stack trace is in the log)"),
  USAGE(2, "invalid command line"),
  CONFIG(3, "configuration error: signetd.yaml, or a file it names, is missing or wrong"),
  TOKEN(
      4,
      "token error: wrong PIN, token or key missing; never retried, since a hardware token locks"
          + " its PIN after a few failures"),
  LEDGER(
      5,
      "ledger error: the database is unreachable or not durable, or its schema does not match"
          + " this signetd"),
  AUDIT_BROKEN(6, "the audit trail is broken (audit verify names the first broken link)"),
  REFUSED(7, "the running daemon refused the request (its reason is printed)"),
  TEMPORARY(
      75,
      "temporary: the token failed while serving (a restart recovers: a PKCS#11 module cannot be"
          + " re-initialised in a running process), or the running daemon could not be reached"
          + " (try again)");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  public String meaning() {
    return meaning;
  }
}
