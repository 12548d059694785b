package dev.signet.client.cli;

import dev.signet.api.v1.CertificateRecord;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.RevokeResponse;
import dev.signet.client.rpc.SignetClient;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code signet revoke}: revokes one certificate by serial. */
@Command(
    name = "revoke",
    header = "Revoke a certificate by its serial (ca-admin).",
    description =
        "The certificate is listed on its CA's next CRL (signet crl fetch) and, if it is a Signet API"
            + " credential, refused by signetd from the next call on, open connections included. Revoking again is"
            + " harmless and keeps the first reason.",
    sortOptions = false,
    footer = {"%nExample:", "  signet revoke 4f1c0a... --reason key-compromise --wait-for-crl"})
public final class RevokeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Parameters(
      paramLabel = "SERIAL",
      description = "The serial, hexadecimal, as signet and openssl print it (colons allowed).")
  String serial;

  @Option(
      names = "--reason",
      paramLabel = "REASON",
      defaultValue = "unspecified",
      description =
          "unspecified (default), key-compromise, ca-compromise, affiliation-changed, superseded,"
              + " cessation-of-operation or privilege-withdrawn.")
  String reason;

  @Option(
      names = "--wait-for-crl",
      description = "Return only once a published CRL lists the certificate.")
  boolean waitForCrl;

  @Mixin ConnectionOptions connection;

  @Override
  public Integer call() {
    RevocationReason parsed = reason(reason);
    RevokeResponse response;
    try (SignetClient client = connection.connect()) {
      response =
          client.revoke(serial.replace(":", "").toLowerCase(Locale.ROOT), parsed, waitForCrl);
    }
    CertificateRecord revoked = response.getCertificate();
    PrintWriter out = spec.commandLine().getOut();
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

  private RevocationReason reason(String text) {
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
