package dev.signet.client.cli;

import dev.signet.api.v1.CertificateRecord;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.RevokeResponse;
import dev.signet.client.rpc.SignetClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code signet revoke}: revokes one certificate by serial, or everything an identity holds, listed
 * first.
 */
@Command(
    name = "revoke",
    header = "Revoke a certificate by its serial, or everything an identity holds (ca-admin).",
    description = {
      "The certificate is listed on its CA's next CRL (signet crl fetch) and, if it is a Signet API"
          + " credential, refused by signetd from the next call on, open connections included. A"
          + " credential is revoked with its whole renewal line: a stolen key that renewed first"
          + " keeps nothing. Revoking again is harmless and keeps the first reason.",
      "",
      "--identity NAME and --node NAME revoke every live credential of that identity (--node N is"
          + " --identity system:node:N) and a node's kubelet client and serving certificates. They"
          + " are listed first; nothing is revoked without --yes."
    },
    sortOptions = false,
    footer = {
      "%nExamples:",
      "  signet revoke 4f1c0a... --reason key-compromise --wait-for-crl",
      "  signet revoke --node worker-1                          # lists what would be revoked",
      "  signet revoke --node worker-1 --reason key-compromise --yes"
    })
public final class RevokeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @ArgGroup(multiplicity = "1")
  Target target;

  static final class Target {
    @Parameters(
        paramLabel = "SERIAL",
        description = "The serial, hexadecimal, as signet and openssl print it (colons allowed).")
    String serial;

    @Option(
        names = "--identity",
        paramLabel = "NAME",
        description = "Every live credential named NAME (its CN), with their renewal lines.")
    String identity;

    @Option(
        names = "--node",
        paramLabel = "NAME",
        description = "The node's credentials and its kubelet client and serving certificates.")
    String node;
  }

  @Option(
      names = "--reason",
      paramLabel = "REASON",
      defaultValue = "unspecified",
      description =
          "unspecified (default), key-compromise, ca-compromise, affiliation-changed, superseded,"
              + " cessation-of-operation or privilege-withdrawn.")
  String reason;

  @Option(
      names = "--yes",
      description = "With --identity or --node: revoke what is listed (without it, only list).")
  boolean yes;

  @Option(
      names = "--wait-for-crl",
      description = "Return only once a published CRL lists the certificate.")
  boolean waitForCrl;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    RevocationReason parsed = reason(spec, reason);
    PrintWriter out = spec.commandLine().getOut();
    if (target.serial == null) {
      String identity = target.node != null ? "system:node:" + target.node : target.identity;
      try (SignetClient client = connection.connect()) {
        revokeIdentity(client, identity, parsed, yes, waitForCrl, out);
      }
      return 0;
    }
    RevokeResponse response;
    try (SignetClient client = connection.connect()) {
      response =
          client.revoke(
              target.serial.replace(":", "").toLowerCase(Locale.ROOT), parsed, waitForCrl);
    }
    CertificateRecord revoked = response.getCertificate();
    out.println(
        "revoked "
            + revoked.getSerial()
            + " ("
            + revoked.getSubject()
            + ", "
            + revoked.getRevocationReason()
            + ")"
            + (waitForCrl ? "; listed on CRL number " + response.getCrlNumber() : ""));
    return 0;
  }

  /**
   * Lists what revoking {@code identity} takes, then, with {@code confirmed}, revokes it and lists
   * what was revoked (which may differ if something was issued in between).
   */
  static void revokeIdentity(
      SignetClient client,
      String identity,
      RevocationReason reason,
      boolean confirmed,
      boolean waitForCrl,
      PrintWriter out) {
    List<CertificateRecord> listed =
        client.revokeIdentity(identity, reason, true, false).getCertificatesList();
    if (listed.isEmpty()) {
      out.println(identity + " holds no live certificate; nothing to revoke");
      return;
    }
    out.println("live certificates of " + identity + ":");
    out.print(Records.table(listed));
    if (!confirmed) {
      out.println(
          listed.size() + " to revoke; run again with --yes to revoke them (nothing was revoked)");
      return;
    }
    List<CertificateRecord> revoked =
        client.revokeIdentity(identity, reason, false, waitForCrl).getCertificatesList();
    out.println(
        "revoked "
            + revoked.size()
            + " certificates of "
            + identity
            + " ("
            + reason
            + ")"
            + (waitForCrl ? "; their CRLs are published" : ""));
    if (revoked.size() != listed.size()) {
      out.print(Records.table(revoked));
    }
  }

  /** A revocation reason as the command line writes it: key-compromise. */
  static RevocationReason reason(CommandSpec spec, String text) {
    String name = "REVOCATION_REASON_" + text.toUpperCase(Locale.ROOT).replace('-', '_');
    for (RevocationReason candidate : RevocationReason.values()) {
      if (candidate != RevocationReason.UNRECOGNIZED && candidate.name().equals(name)) {
        return candidate;
      }
    }
    throw new ParameterException(
        spec.commandLine(),
        "--reason: '" + text + "' is not a revocation reason; see --help for the list");
  }
}
