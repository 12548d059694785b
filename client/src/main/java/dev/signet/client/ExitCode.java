package dev.signet.client;

/**
 * Every exit code {@code signet} returns, in one place: scripts and node agents branch on them, and
 * {@code signet --help} lists them from here.
 */
public enum ExitCode {
  OK(0, "success"),
  SOFTWARE(1, "unexpected error in signet itself (run again with --verbose and report it)"),
  USAGE(2, "invalid command line"),
  CONFIG(
      3,
      "client configuration or credential file (--config, --ca-bundle, --cert, --key) missing or unreadable, or the credential expired"),
  UNREACHABLE(4, "signetd unreachable, or the TLS handshake with it failed"),
  INVALID_REQUEST(
      5,
      "signetd refused the request as invalid (INVALID_ARGUMENT, ALREADY_EXISTS); nothing was issued"),
  DENIED(6, "signetd denied the request: this credential may not ask for it (PERMISSION_DENIED)"),
  CA_ERROR(7, "signetd could not issue (CA not valid, internal error); see its log"),
  OUTPUT(
      8,
      "an output file or directory could not be written (permission, not a directory, disk full)"),
  AUDIT_BROKEN(
      9,
      "the audit trail, the exported events or the witness do not verify: the first broken link is printed"),
  TEMPORARY(
      75,
      "signetd is temporarily unable to answer (UNAVAILABLE, RESOURCE_EXHAUSTED, deadline): run the same command again");

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
