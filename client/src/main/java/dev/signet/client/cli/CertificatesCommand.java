package dev.signet.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.Timestamp;
import dev.signet.api.v1.CertificateRecord;
import dev.signet.api.v1.CertificateState;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.ListCertificatesResponse;
import dev.signet.api.v1.Profile;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.node.Table;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.Pem;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code signet certificates}: what signetd issued, from its ledger (ca-admin, auditor). */
@Command(
    name = "certificates",
    header = "List or show the certificates signetd recorded (auditor).",
    subcommands = {
      CertificatesCommand.ListCommand.class,
      CertificatesCommand.Show.class,
      CommandLine.HelpCommand.class
    })
public final class CertificatesCommand implements Runnable {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int PAGE = 1000;

  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required: list or show");
  }

  /** {@code signet certificates list}. */
  @Command(
      name = "list",
      header = "List recorded certificates, soonest expiry first.",
      description =
          "Every state by default, revoked ones included: issued, intent (recorded before signing),"
              + " possibly-issued (a crash came between signing and recording; revoked), abandoned"
              + " (never signed), and revoked.",
      sortOptions = false,
      footer = {
        "%nExample:",
        "  signet certificates list --node worker-1 --expiring-within 720h -o json --config auditor.yaml"
      })
  public static final class ListCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Option(names = "--node", paramLabel = "NAME", description = "Only this node's.")
    String node;

    @Option(
        names = "--profile",
        paramLabel = "PROFILE",
        description = "Only this profile's, e.g. kubelet-client, apiserver, etcd-peer.")
    String profile;

    @Option(
        names = "--state",
        paramLabel = "STATE",
        description = "Only issued, intent, possibly-issued, abandoned or revoked ones.")
    String state;

    @Option(
        names = "--expiring-within",
        paramLabel = "DURATION",
        converter = Converters.DurationConverter.class,
        description = "Only those that expire within DURATION from now, e.g. 720h.")
    Duration expiringWithin;

    @Mixin OutputFormatOption format;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      boolean json = format.json();
      ListCertificatesRequest.Builder request =
          ListCertificatesRequest.newBuilder().setIncludeRevoked(true).setPageSize(PAGE);
      if (node != null) {
        request.setNodeName(node);
      }
      if (profile != null) {
        request.setProfile(profile(profile));
      }
      if (state != null) {
        applyState(request, state);
      }
      if (expiringWithin != null) {
        Instant before = Instant.now().plus(expiringWithin);
        request.setExpiringBefore(
            Timestamp.newBuilder().setSeconds(before.getEpochSecond()).setNanos(before.getNano()));
      }
      List<CertificateRecord> records = new ArrayList<>();
      try (SignetClient client = connection.connect()) {
        while (true) {
          ListCertificatesResponse page = client.listCertificates(request.build());
          records.addAll(page.getCertificatesList());
          if (page.getNextPageToken().isEmpty()) {
            break;
          }
          request.setPageToken(page.getNextPageToken());
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(json(records.stream().map(record -> fields(record, false)).toList()));
      } else {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SERIAL", "PROFILE", "NODE", "STATE", "NOT AFTER", "SUBJECT"});
        for (CertificateRecord record : records) {
          rows.add(
              new String[] {
                record.getSerial(),
                id(record.getProfile().name(), "PROFILE_"),
                record.getNodeName().isEmpty() ? "-" : record.getNodeName(),
                state(record),
                instant(record.getNotAfter()).toString(),
                record.getSubject()
              });
        }
        out.print(Table.columns(rows));
      }
      out.flush();
      return 0;
    }
  }

  /** {@code signet certificates show}. */
  @Command(
      name = "show",
      header = "Show one certificate's record and PEM.",
      description =
          "Its state, who asked for it (caller and request id), its validity, its revocation (time"
              + " and reason) and, when issued, the certificate itself.",
      sortOptions = false,
      footer = {"%nExample:", "  signet certificates show 4f1c0a... --config auditor.yaml"})
  public static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Parameters(
        paramLabel = "SERIAL",
        description = "The serial, hexadecimal, as signet and openssl print it (colons allowed).")
    String serial;

    @Mixin OutputFormatOption format;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      boolean json = format.json();
      CertificateRecord record;
      try (SignetClient client = connection.connect()) {
        record = client.certificate(serial.replace(":", "").toLowerCase(Locale.ROOT));
      }
      PrintWriter out = spec.commandLine().getOut();
      Map<String, Object> fields = fields(record, true);
      if (json) {
        out.println(json(fields));
      } else {
        String pem = (String) fields.remove("pem");
        fields.forEach(
            (name, value) -> out.printf("%-18s %s%n", name + ":", value == null ? "-" : value));
        if (pem != null) {
          out.print(pem);
        }
      }
      out.flush();
      return 0;
    }
  }

  /** A record's fields in a fixed order; the PEM too when {@code withPem}. */
  private static Map<String, Object> fields(CertificateRecord record, boolean withPem) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("serial", record.getSerial());
    fields.put("state", state(record));
    fields.put("profile", id(record.getProfile().name(), "PROFILE_"));
    fields.put("trustDomain", id(record.getTrustDomain().name(), "TRUST_DOMAIN_"));
    fields.put("subject", record.getSubject());
    fields.put("nodeName", record.getNodeName());
    fields.put("notBefore", instant(record.getNotBefore()).toString());
    fields.put("notAfter", instant(record.getNotAfter()).toString());
    fields.put("caller", record.getCaller());
    fields.put("requestId", record.getRequestId());
    fields.put("issuerKeyId", record.getIssuerKeyId());
    fields.put(
        "revokedAt", record.hasRevokedAt() ? instant(record.getRevokedAt()).toString() : null);
    fields.put(
        "revocationReason",
        record.hasRevokedAt()
            ? id(record.getRevocationReason().name(), "REVOCATION_REASON_")
            : null);
    if (withPem) {
      fields.put(
          "pem",
          record.getCertificateDer().isEmpty()
              ? null
              : Pem.certificate(record.getCertificateDer().toByteArray()));
    }
    return fields;
  }

  /** The state as listed: revoked wins over the ledger state. */
  private static String state(CertificateRecord record) {
    return record.hasRevokedAt() ? "revoked" : id(record.getState().name(), "CERTIFICATE_STATE_");
  }

  private static Profile profile(String id) {
    String name = "PROFILE_" + id.toUpperCase(Locale.ROOT).replace('-', '_');
    for (Profile candidate : Profile.values()) {
      if (candidate != Profile.UNRECOGNIZED
          && candidate != Profile.PROFILE_UNSPECIFIED
          && candidate.name().equals(name)) {
        return candidate;
      }
    }
    throw new SignetException(
        ExitCode.USAGE,
        "--profile: '"
            + id
            + "' is not a profile; one of "
            + String.join(
                ", ",
                java.util.Arrays.stream(Profile.values())
                    .filter(p -> p != Profile.UNRECOGNIZED && p != Profile.PROFILE_UNSPECIFIED)
                    .map(p -> id(p.name(), "PROFILE_"))
                    .toList()));
  }

  private static void applyState(ListCertificatesRequest.Builder request, String state) {
    switch (state.toLowerCase(Locale.ROOT)) {
      case "issued" -> request.setState(CertificateState.CERTIFICATE_STATE_ISSUED);
      case "intent" -> request.setState(CertificateState.CERTIFICATE_STATE_INTENT);
      case "possibly-issued" ->
          request.setState(CertificateState.CERTIFICATE_STATE_POSSIBLY_ISSUED);
      case "abandoned" -> request.setState(CertificateState.CERTIFICATE_STATE_ABANDONED);
      case "revoked" -> request.setRevokedOnly(true);
      default ->
          throw new SignetException(
              ExitCode.USAGE,
              "--state: '"
                  + state
                  + "' is none of issued, intent, possibly-issued, abandoned, revoked");
    }
  }

  /** kubelet-client for PROFILE_KUBELET_CLIENT. */
  private static String id(String name, String prefix) {
    return name.substring(Math.min(prefix.length(), name.length()))
        .toLowerCase(Locale.ROOT)
        .replace('_', '-');
  }

  private static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
