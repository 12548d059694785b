package dev.signet.client.cli;

import dev.signet.api.v1.GetCrlResponse;
import dev.signet.api.v1.TrustDomain;
import dev.signet.client.SignetException;
import dev.signet.client.node.Times;
import dev.signet.client.rpc.Profile;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code signet crl}: certificate revocation lists. */
@Command(
    name = "crl",
    header = "Certificate revocation lists of signetd's CAs.",
    subcommands = {CrlCommand.Fetch.class, CommandLine.HelpCommand.class})
public final class CrlCommand implements Runnable {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required: fetch");
  }

  /** {@code signet crl fetch}. */
  @Command(
      name = "fetch",
      header = "Write the current CRL of one trust domain's CA to a file a component can load.",
      description =
          "signetd publishes a new CRL within a moment of each revocation, and at least every"
              + " crlRefreshInterval. The file is replaced atomically, so a component that rereads it never sees half a CRL;"
              + " fetch it again (from cron or a systemd timer) well within its nextUpdate.",
      sortOptions = false,
      footer = {
        "%nExample: etcd refusing revoked client certificates",
        "  signet crl fetch --trust-domain etcd --out /etc/kubernetes/pki/etcd/crl.pem",
        "  etcd ... --client-crl-file /etc/kubernetes/pki/etcd/crl.pem",
        "%nDuring a CA rotation, also the previous CA's (generation from signetd ca status):",
        "  signet crl fetch --trust-domain etcd --generation 1 --out /etc/kubernetes/pki/etcd/crl-1.pem"
      })
  public static final class Fetch implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Option(
        names = "--trust-domain",
        paramLabel = "DOMAIN",
        defaultValue = "kubernetes",
        description = "Whose CA: kubernetes (default), etcd, front-proxy or signet-api.")
    String trustDomain;

    @Option(
        names = "--generation",
        paramLabel = "N",
        defaultValue = "0",
        description =
            "Which generation of the CA (signetd ca status lists them): during a rotation the previous CA's"
                + " revocations are in its own CRL. Default: the CA that signs now.")
    int generation;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "The file to write (mode 0644).")
    Path out;

    @Option(
        names = "--format",
        paramLabel = "FORMAT",
        defaultValue = "pem",
        description =
            "pem (default; an X509 CRL block, as etcd, nginx and openssl read it) or der.")
    String format;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      TrustDomain domain =
          Profile.domainById(trustDomain.toLowerCase(Locale.ROOT))
              .orElseThrow(
                  () ->
                      new ParameterException(
                          spec.commandLine(),
                          "--trust-domain: '"
                              + trustDomain
                              + "' is none of kubernetes, etcd, front-proxy, signet-api"));
      boolean pem =
          switch (format.toLowerCase(Locale.ROOT)) {
            case "pem" -> true;
            case "der" -> false;
            default ->
                throw new ParameterException(
                    spec.commandLine(), "--format: '" + format + "' is neither pem nor der");
          };
      GetCrlResponse crl;
      try (SignetClient client = connection.connect()) {
        crl = client.crl(domain, generation);
      }
      byte[] der = crl.getCrlDer().toByteArray();
      Path file = out.toAbsolutePath().normalize();
      try {
        AtomicFiles.write(
            file, pem ? Pem.crl(der).getBytes(StandardCharsets.US_ASCII) : der, AtomicFiles.PUBLIC);
      } catch (IOException e) {
        throw SignetException.output(file, e);
      }
      Instant nextUpdate = Instant.ofEpochSecond(crl.getNextUpdate().getSeconds());
      spec.commandLine()
          .getOut()
          .println(
              "wrote "
                  + file
                  + ": CRL number "
                  + crl.getNumber()
                  + " of the "
                  + Profile.domainId(domain)
                  + " CA (generation "
                  + crl.getGeneration()
                  + "), next update "
                  + Times.format(nextUpdate));
      return 0;
    }
  }
}
