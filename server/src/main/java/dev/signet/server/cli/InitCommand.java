package dev.signet.server.cli;

import dev.signet.common.AtomicFiles;
import dev.signet.common.Csrs;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import dev.signet.server.auth.Caller;
import dev.signet.server.auth.Role;
import dev.signet.server.ca.CaSetup;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.daemon.Daemon;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.ledger.RowSeals;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.serviceaccount.ServiceAccountKeys;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signetd init}: the CAs in the token, the daemon's serving credential, an operator's. */
@Command(
    name = "init",
    header = "Create the CAs in the token and the credentials to run and reach the daemon.",
    description =
        "The CAs are kubernetes, etcd, front-proxy and signet-api. Safe to run again: existing"
            + " CAs and"
            + " credentials are kept, only what is missing is made; the serving and operator"
            + " credentials are also replaced when they expire within 30 days (the old operator"
            + " credential is kept as operator.crt.bak and operator.key.bak). CA keys are"
            + " generated inside the token and cannot be exported.",
    mixinStandardHelpOptions = true)
public final class InitCommand implements Callable<Integer> {
  /** Who issues the credentials init makes, in the ledger and the audit trail. */
  static final Caller INIT_CALLER = Caller.internal("signetd-init");

  /** The serving and operator credentials are replaced when they expire within this. */
  private static final Duration RENEW_CREDENTIALS_WITHIN = Duration.ofDays(30);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ConfigOption configFile;

  @Option(
      names = "--operator",
      defaultValue = "operator",
      paramLabel = "NAME",
      description = "Name in the first operator credential (ca-admin). Default: ${DEFAULT-VALUE}.")
  String operatorName;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    SignetdConfig config = configFile.load();
    try (Daemon daemon = Daemon.open(config, Signetd.keyStore(spec))) {
      CaSetup.Result result =
          new CaSetup(daemon.keyStore(), daemon.clock(), daemon.random())
              .ensure(
                  wantedKeys(config),
                  config.cas().algorithm(),
                  config.cas().validity(),
                  config.issuance().backdate());
      result.settled().forEach(line -> out.println("recovered interrupted init: " + line));
      result.existing().forEach(label -> out.println("key " + label + ": exists, kept"));
      result
          .created()
          .forEach(
              label ->
                  out.println("key " + label + ": created (" + config.cas().algorithm() + ")"));
      // The service-account signing key has an algorithm of its own (ES256 or RS256), so its own
      // batch: like the audit key it is no CA, and it signs tokens only.
      CaSetup.Result serviceAccount =
          new CaSetup(daemon.keyStore(), daemon.clock(), daemon.random())
              .ensure(
                  Map.of(
                      config.serviceAccount().key().object().orElseThrow(),
                      new CaSetup.KeySpec(ServiceAccountKeys.KEY_COMMON_NAME, false)),
                  config.serviceAccount().algorithm(),
                  config.cas().validity(),
                  config.issuance().backdate());
      serviceAccount.existing().forEach(label -> out.println("key " + label + ": exists, kept"));
      serviceAccount
          .created()
          .forEach(
              label ->
                  out.println(
                      "key "
                          + label
                          + ": created ("
                          + config.serviceAccount().algorithm()
                          + ", service-account tokens)"));

      boolean sealKeyCreated = daemon.ensureSealKey();
      out.println(
          "key "
              + RowSeals.KEY_LABEL
              + ": "
              + (sealKeyCreated
                  ? "created (HMAC-SHA256 secret, seals the ledger's rows)"
                  : "exists, kept"));

      daemon.loadCas();
      if (sealKeyCreated) {
        // a ledger from before the seal key: its rows are trusted once, now, and listed
        daemon
            .sealRowsRecordedBefore()
            .sealedNow()
            .forEach(
                row -> out.println("sealed " + row + " (recorded before the seal key existed)"));
      }
      Daemon.refuseSharedKeys(daemon.cas(), daemon.findAuditKey());
      ensureServerCredential(config, daemon, out);
      ensureOperatorCredential(config, daemon, out);
      out.println(
          "audit checkpoint " + daemon.checkpointAtInit().number() + " signed over what init did");
    }
    out.flush();
    return 0;
  }

  /**
   * One CA per distinct configured key label, named after the first domain that uses it, and the
   * audit key, which signs checkpoints of the audit trail and is no CA.
   */
  private static Map<String, CaSetup.KeySpec> wantedKeys(SignetdConfig config) {
    Map<String, CaSetup.KeySpec> wanted = new LinkedHashMap<>();
    for (TrustDomain domain : TrustDomain.values()) {
      wanted.putIfAbsent(
          config.cas().key(domain).object().orElseThrow(),
          CaSetup.KeySpec.ca(domain.caCommonName()));
    }
    wanted.putIfAbsent(
        config.audit().key().object().orElseThrow(), new CaSetup.KeySpec("signet-audit", false));
    return wanted;
  }

  private void ensureServerCredential(SignetdConfig config, Daemon daemon, PrintWriter out)
      throws Exception {
    Path certificateFile = config.tls().certificate();
    X509Certificate signetApiCa = daemon.cas().signingCa(TrustDomain.SIGNET_API).certificate();
    if (Files.exists(certificateFile) && Files.exists(config.tls().key())) {
      List<byte[]> chain = Pem.readCertificates(Files.readString(certificateFile));
      if (!chain.isEmpty()) {
        X509Certificate current = X509.parse(chain.get(0));
        boolean ours = verifiesUnder(current, signetApiCa);
        boolean fresh =
            current
                .getNotAfter()
                .toInstant()
                .isAfter(daemon.clock().instant().plus(RENEW_CREDENTIALS_WITHIN));
        if (ours && fresh) {
          out.println(
              "serving credential "
                  + certificateFile
                  + ": valid until "
                  + current.getNotAfter().toInstant()
                  + ", kept");
          return;
        }
      }
    }
    KeyPair keys = KeyAlgorithm.ECDSA_P256.generateKeyPair();
    IssuancePipeline.Issued issued =
        daemon
            .pipeline()
            .issue(
                INIT_CALLER,
                new IssuancePipeline.Request(
                    Profile.SIGNET_API_SERVER,
                    new ProfileParameters.SignetServer(config.tls().serverNames()),
                    Csrs.create(keys, "signetd"),
                    ""));
    writeKey(config.tls().key(), keys);
    AtomicFiles.write(certificateFile, chainPem(issued), AtomicFiles.PUBLIC);
    out.println(
        "serving credential "
            + certificateFile
            + ": issued for "
            + config.tls().serverNames()
            + ", valid until "
            + issued.certificate().getNotAfter().toInstant());
  }

  /**
   * Issues the operator credential when there is none, and replaces it when it has expired or
   * expires within {@link #RENEW_CREDENTIALS_WITHIN}: after a long shutdown the operator needs a
   * working credential to recover the cluster, and init, run on the daemon's host with the token,
   * is the one way to get one without another. The replaced files stay as .bak.
   */
  private void ensureOperatorCredential(SignetdConfig config, Daemon daemon, PrintWriter out)
      throws Exception {
    Path directory = config.tls().operatorDirectory();
    Path certificate = directory.resolve("operator.crt");
    Path key = directory.resolve("operator.key");
    String name = operatorName;
    String replaced = "";
    if (Files.exists(certificate)) {
      List<byte[]> chain = Pem.readCertificates(Files.readString(certificate));
      X509Certificate current = chain.isEmpty() ? null : X509.parse(chain.get(0));
      Instant notAfter = current == null ? Instant.MIN : current.getNotAfter().toInstant();
      if (notAfter.isAfter(daemon.clock().instant().plus(RENEW_CREDENTIALS_WITHIN))) {
        out.println("operator credential " + certificate + ": valid until " + notAfter + ", kept");
        return;
      }
      if (current != null) {
        // the replacement keeps the operator's name, as the audit trail knows it
        List<String> names =
            X509.attributeValues(
                X500Name.getInstance(current.getSubjectX500Principal().getEncoded()), BCStyle.CN);
        name = names.size() == 1 ? names.get(0) : name;
      }
      backUp(certificate, AtomicFiles.PUBLIC);
      if (Files.exists(key)) {
        backUp(key, AtomicFiles.SECRET);
      }
      String was =
          current == null
              ? "an unreadable one"
              : (notAfter.isAfter(daemon.clock().instant())
                      ? "one expiring at "
                      : "one expired at ")
                  + notAfter;
      replaced = "; it replaces " + was + ", kept as operator.crt.bak and operator.key.bak";
    }
    KeyPair keys = KeyAlgorithm.ECDSA_P256.generateKeyPair();
    String organization = daemon.roles().organizationFor(Role.CA_ADMIN);
    IssuancePipeline.Issued issued =
        daemon
            .pipeline()
            .issue(
                INIT_CALLER,
                new IssuancePipeline.Request(
                    Profile.SIGNET_API_CLIENT,
                    new ProfileParameters.SignetClient(name, organization),
                    Csrs.create(keys, name, organization),
                    ""));
    writeKey(key, keys);
    AtomicFiles.write(
        certificate,
        Pem.certificate(X509.encoded(issued.certificate())).getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
    AtomicFiles.write(
        directory.resolve("ca.crt"),
        Pem.certificates(
                daemon.cas().bundle(TrustDomain.SIGNET_API).stream().map(X509::encoded).toList())
            .getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
    Path settings = directory.resolve("signet.yaml");
    if (replaced.isEmpty() || !Files.exists(settings)) {
      AtomicFiles.write(settings, clientConfig(config), AtomicFiles.PUBLIC);
    }
    out.println(
        "operator credential "
            + certificate
            + ": issued to "
            + name
            + " (ca-admin), valid until "
            + issued.certificate().getNotAfter().toInstant()
            + replaced
            + "; client settings in "
            + settings);
  }

  /** Copies {@code file} to {@code file.bak}, one generation, with {@code mode}. */
  private static void backUp(Path file, Set<PosixFilePermission> mode) throws IOException {
    byte[] content = Files.readAllBytes(file);
    try {
      AtomicFiles.write(file.resolveSibling(file.getFileName() + ".bak"), content, mode);
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  /** The connection settings for {@code signet --config}, relative to their own directory. */
  private static byte[] clientConfig(SignetdConfig config) {
    String server = RunningDaemon.operatorAddress(config);
    return String.join(
            "\n",
            "# Connection settings for the signet CLI, written by signetd init.",
            "server: \"" + server + "\"",
            "caBundle: ca.crt",
            "certificate: operator.crt",
            "key: operator.key",
            "")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void writeKey(Path file, KeyPair keys) throws IOException {
    byte[] pem = Pem.privateKey(keys);
    try {
      AtomicFiles.write(file, pem, AtomicFiles.SECRET);
    } finally {
      Arrays.fill(pem, (byte) 0);
    }
  }

  private static byte[] chainPem(IssuancePipeline.Issued issued) {
    List<byte[]> ders = new java.util.ArrayList<>();
    ders.add(X509.encoded(issued.certificate()));
    issued.chain().forEach(c -> ders.add(X509.encoded(c)));
    return Pem.certificates(ders).getBytes(StandardCharsets.US_ASCII);
  }

  private static boolean verifiesUnder(X509Certificate certificate, X509Certificate ca) {
    try {
      certificate.verify(ca.getPublicKey());
      return certificate.getNotBefore().toInstant().isBefore(Instant.now());
    } catch (Exception e) {
      return false;
    }
  }
}
