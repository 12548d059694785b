package dev.signet.client.cli;

import dev.signet.api.v1.CertificateRecord;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.ListCertificatesResponse;
import dev.signet.api.v1.Profile;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.Role;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.files.Certificates;
import dev.signet.client.files.SafeFiles;
import dev.signet.client.node.Times;
import dev.signet.client.rpc.ConnectionSettings;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Csrs;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code signet credential}: Signet API credentials for operators, provisioners and auditors. */
@Command(
    name = "credential",
    header = "Signet API credentials: create, list and revoke them (ca-admin).",
    subcommands = {
      CredentialCommand.Create.class,
      CredentialCommand.ListCredentials.class,
      CredentialCommand.Revoke.class,
      CommandLine.HelpCommand.class
    })
public final class CredentialCommand implements Runnable {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a command is required: create, list or revoke");
  }

  /** The files {@code create} writes into its directory. */
  static final String CERTIFICATE = "credential.crt";

  static final String KEY = "credential.key";
  static final String CA = "ca.crt";
  static final String SETTINGS = "signet.yaml";

  /** {@code signet credential create}. */
  @Command(
      name = "create",
      header = "Create a credential for a provisioner, an auditor or another ca-admin.",
      description = {
        "The key pair is made here and never sent; signetd signs a certificate for it whose"
            + " organization carries the role. DIR receives credential.key (0600), credential.crt,"
            + " ca.crt (the signet-api CA) and signet.yaml, the client configuration its holder"
            + " passes to --config. Hand the directory over a channel you trust.",
        "",
        "A provisioner gets only what signetd.yaml's authorization.provisioners.NAME grants it:"
            + " nothing until that entry exists. Nodes get their credentials with signet join."
      },
      sortOptions = false,
      footer = {
        "%nExample:",
        "  signet credential create --role provisioner --name edge-provisioner --out edge-creds"
      })
  public static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        description = "provisioner, auditor, csr-signer (for signet-csr-signer) or ca-admin.")
    String role;

    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description =
            "The credential's name (its CN), as authorization.provisioners and the audit trail"
                + " know it: 1 to 64 characters from A-Z a-z 0-9 . _ : @ -.")
    String name;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Where to write the credential; must not hold one already.")
    Path out;

    @Option(
        names = "--key-algorithm",
        paramLabel = "ALGORITHM",
        defaultValue = "ecdsa-p256",
        description = "ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072 or rsa-4096.")
    String keyAlgorithm;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      Role parsed =
          switch (role) {
            case "provisioner" -> Role.ROLE_PROVISIONER;
            case "auditor" -> Role.ROLE_AUDITOR;
            case "csr-signer" -> Role.ROLE_CSR_SIGNER;
            case "ca-admin" -> Role.ROLE_CA_ADMIN;
            default ->
                throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--role must be provisioner, auditor, csr-signer or ca-admin (nodes join with signet"
                        + " join)");
          };
      KeyAlgorithm algorithm;
      try {
        algorithm = KeyAlgorithm.parse(keyAlgorithm);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--key-algorithm: " + e.getMessage());
      }
      Path directory = out.toAbsolutePath().normalize();
      checkEmpty(directory);
      ConnectionSettings settings = connection.settings();
      KeyPair keys;
      try {
        keys = algorithm.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new SignetException(
            ExitCode.SOFTWARE, "cannot make a " + algorithm + " key: " + e.getMessage(), e);
      }
      IssueCertificateResponse issued;
      try (SignetClient client = SignetClient.connect(settings)) {
        issued = client.issueApiCredential(parsed, name, Csrs.create(keys, name));
      }
      List<X509Certificate> anchors =
          issued.getCaBundleDerList().stream()
              .map(der -> SignetClient.parse(der.toByteArray()))
              .toList();
      X509Certificate leaf = SignetClient.parse(issued.getCertificateDer().toByteArray());
      byte[] keyPem = Pem.privateKey(keys);
      try {
        AtomicFiles.write(directory.resolve(KEY), keyPem, AtomicFiles.SECRET);
        AtomicFiles.write(
            directory.resolve(CERTIFICATE),
            Certificates.pem(Certificates.leafAndIntermediates(issued, anchors)),
            AtomicFiles.PUBLIC);
        AtomicFiles.write(directory.resolve(CA), Certificates.pem(anchors), AtomicFiles.PUBLIC);
        AtomicFiles.write(
            directory.resolve(SETTINGS),
            clientConfig(settings.server().toString()),
            AtomicFiles.PUBLIC);
      } catch (IOException e) {
        throw new SignetException(
            ExitCode.OUTPUT,
            SignetException.output(directory, e).getMessage()
                + " The credential "
                + issued.getSerial()
                + " was issued but not saved: revoke it (signet credential revoke "
                + issued.getSerial()
                + ").",
            e);
      } finally {
        Arrays.fill(keyPem, (byte) 0);
      }
      spec.commandLine()
          .getOut()
          .println(
              "credential "
                  + name
                  + " ("
                  + role
                  + "), serial "
                  + issued.getSerial()
                  + ", valid until "
                  + Times.format(leaf.getNotAfter().toInstant())
                  + ": written to "
                  + directory
                  + " (its holder runs signet --config "
                  + directory.resolve(SETTINGS)
                  + ")");
      return 0;
    }

    /** A new credential never replaces one: that one's holder would be locked out unknowingly. */
    private static void checkEmpty(Path directory) {
      for (String file : List.of(KEY, CERTIFICATE, CA, SETTINGS)) {
        Path path = directory.resolve(file);
        try {
          SafeFiles.refuseLinks(directory, path);
        } catch (IOException e) {
          throw SignetException.output(path, e);
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
          throw new SignetException(
              ExitCode.OUTPUT,
              path + " exists: " + directory + " holds a credential already; choose another --out");
        }
      }
    }

    private static byte[] clientConfig(String server) {
      return String.join(
              "\n",
              "# Connection settings for the signet CLI, written by signet credential create.",
              "server: \"" + server + "\"",
              "caBundle: " + CA,
              "certificate: " + CERTIFICATE,
              "key: " + KEY,
              "")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  /** {@code signet credential list}. */
  @Command(
      name = "list",
      header = "List the live Signet API credentials (ca-admin or auditor).",
      description =
          "Every credential neither revoked nor expired (--all: those too), with the credential"
              + " each renewal was made with.",
      sortOptions = false)
  public static final class ListCredentials implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Option(names = "--all", description = "Also revoked and expired credentials.")
    boolean all;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      List<CertificateRecord> credentials = new ArrayList<>();
      java.time.Instant now = java.time.Instant.now();
      try (SignetClient client = connection.connect()) {
        String page = "";
        do {
          ListCertificatesResponse response =
              client.listCertificates(
                  ListCertificatesRequest.newBuilder()
                      .setProfile(Profile.PROFILE_SIGNET_API_CLIENT)
                      .setIncludeRevoked(all)
                      .setPageSize(1000)
                      .setPageToken(page)
                      .build());
          for (CertificateRecord record : response.getCertificatesList()) {
            if (all || record.getNotAfter().getSeconds() > now.getEpochSecond()) {
              credentials.add(record);
            }
          }
          page = response.getNextPageToken();
        } while (!page.isEmpty());
      }
      PrintWriter out = spec.commandLine().getOut();
      if (credentials.isEmpty()) {
        out.println("no credentials");
      } else {
        out.print(Records.table(credentials));
      }
      return 0;
    }
  }

  /** {@code signet credential revoke}. */
  @Command(
      name = "revoke",
      header = "Revoke a credential with its renewal line, or every credential of a name.",
      description = {
        "SERIAL: that credential, the ones it was renewed from and every renewal of them. --name"
            + " NAME: every live credential of NAME, listed first; revoked only with --yes.",
        "The holder is refused from its next call on, open connections included."
      },
      sortOptions = false,
      footer = {
        "%nExamples:",
        "  signet credential revoke 5be1... --reason key-compromise",
        "  signet credential revoke --name edge-provisioner --yes"
      })
  public static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Parameters(
        paramLabel = "SERIAL",
        arity = "0..1",
        description = "The credential's serial, hexadecimal (colons allowed).")
    String serial;

    @Option(names = "--name", paramLabel = "NAME", description = "Every credential of NAME.")
    String name;

    @Option(
        names = "--reason",
        paramLabel = "REASON",
        defaultValue = "unspecified",
        description = "As for signet revoke: key-compromise, superseded, ...")
    String reason;

    @Option(names = "--yes", description = "With --name: revoke what is listed.")
    boolean yes;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      if ((serial == null) == (name == null)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "give either a SERIAL or --name NAME");
      }
      RevocationReason parsed = RevokeCommand.reason(spec, reason);
      PrintWriter out = spec.commandLine().getOut();
      try (SignetClient client = connection.connect()) {
        if (name != null) {
          RevokeCommand.revokeIdentity(client, name, parsed, yes, false, out);
          return 0;
        }
        CertificateRecord revoked =
            client
                .revoke(serial.replace(":", "").toLowerCase(Locale.ROOT), parsed, false)
                .getCertificate();
        out.println(
            "revoked "
                + revoked.getSerial()
                + " ("
                + revoked.getSubject()
                + ", "
                + revoked.getRevocationReason()
                + ") with its renewal line");
      }
      return 0;
    }
  }
}
