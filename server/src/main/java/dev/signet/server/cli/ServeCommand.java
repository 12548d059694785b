package dev.signet.server.cli;

import dev.signet.common.Pem;
import dev.signet.server.audit.AuditCheckpointer;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.config.ConfigException;
import dev.signet.server.config.ConfigLoader;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.grpc.SignetServer;
import dev.signet.server.issuance.IntentReconciler;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.revocation.CrlPublisher;
import dev.signet.server.revocation.Revocations;
import dev.signet.server.revocation.RevokedCredentials;
import dev.signet.server.rotation.CaRotation;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signetd serve}: run the daemon until stopped. */
@Command(
    name = "serve",
    header = "Serve Signet's gRPC API over mutual TLS until stopped.",
    description =
        "SIGTERM or SIGINT stops it gracefully: calls in flight finish, up to 10 s. Exits with 75 when the token fails, so that a"
            + " supervisor restarts it: a PKCS#11 module cannot be re-initialised inside a running"
            + " process.",
    mixinStandardHelpOptions = true)
public final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = Logger.getLogger(ServeCommand.class.getName());

  private static final Duration RECONCILE_PERIOD = Duration.ofSeconds(30);

  /** How soon a credential revoked through another replica is refused here. */
  private static final Duration REVOKED_CREDENTIALS_REFRESH = Duration.ofSeconds(2);

  /** How soon a CA rotation step made through another replica is adopted here. */
  private static final Duration ROTATION_REFRESH = Duration.ofSeconds(2);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      required = true,
      paramLabel = "FILE",
      description = "signetd.yaml")
  java.nio.file.Path configFile;

  @Override
  public Integer call() throws Exception {
    SignetdConfig config = ConfigLoader.load(configFile);
    AtomicInteger exitCode = new AtomicInteger(0);
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    try (Components components = Components.open(config)) {
      CaRegistry cas = components.cas();
      X509Certificate signetApiCa = cas.signingCa(TrustDomain.SIGNET_API).certificate();
      List<X509Certificate> chain = servingChain(config, signetApiCa);
      PrivateKey key = servingKey(config);
      Components.AuditKey auditKey = components.auditKey();
      components.tokenHealth.onFailure(
          reason -> {
            exitCode.set(ExitCode.TEMPORARY.code());
            stop.countDown();
          });
      IssuancePipeline pipeline = components.pipeline(cas);
      try (CrlPublisher crls =
              new CrlPublisher(
                  cas,
                  components.certificates,
                  components.crls,
                  new CrlPublisher.Settings(
                      config.revocation().crlRefreshInterval(),
                      config.revocation().crlValidity(),
                      config.issuance().backdate()),
                  components.clock);
          RevokedCredentials revokedCredentials =
              new RevokedCredentials(components.certificates, cas, components.clock);
          AuditCheckpointer checkpointer =
              new AuditCheckpointer(
                  components.checkpoints,
                  auditKey.key(),
                  auditKey.certificate(),
                  components.clock);
          IntentReconciler reconciler =
              new IntentReconciler(
                  components.certificates, components.clock, reconcileWindow(config));
          CaRotation rotation =
              new CaRotation(
                  components.token,
                  cas,
                  components.generations,
                  config,
                  components.clock,
                  components.random,
                  crls::publishSoon)) {
        // Before serving: settle what a crash left, and publish CRLs that list what it settled.
        if (!reconciler.reconcileAtStart(components.database.exclusive()).isEmpty()) {
          for (CertificateAuthority ca : cas.all()) {
            crls.publish(ca);
          }
        }
        reconciler.start(RECONCILE_PERIOD, () -> cas.all().forEach(crls::publishSoon));
        rotation.start(ROTATION_REFRESH);
        revokedCredentials.start(REVOKED_CREDENTIALS_REFRESH);
        crls.start();
        checkpointer.start(config.audit().checkpointInterval());
        SignetServer.Parts parts =
            new SignetServer.Parts(
                pipeline,
                cas,
                components.enrollment(pipeline),
                new Revocations(
                    components.certificates,
                    components.audit,
                    cas,
                    crls,
                    revokedCredentials,
                    components.clock),
                crls,
                revokedCredentials,
                components.database,
                checkpointer,
                auditKey.checkpointKey(),
                rotation,
                components.generations,
                components.roles,
                components.audit,
                components.tokenHealth,
                components.clock);
        try (SignetServer server = SignetServer.start(config, parts, key, chain)) {
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(
                      () -> {
                        stop.countDown();
                        try {
                          stopped.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      },
                      "signet-shutdown"));
          PrintWriter out = spec.commandLine().getOut();
          server
              .enrollmentPort()
              .ifPresent(
                  port ->
                      out.println(
                          "signetd enrollment on "
                              + config.enrollment().listen().get().host()
                              + ":"
                              + port));
          out.println("signetd ready on " + config.listen().host() + ":" + server.port());
          out.flush();
          stop.await();
          LOG.info(
              exitCode.get() == ExitCode.TEMPORARY.code()
                  ? "stopping: the token failed"
                  : "stopping");
        }
      }
    } finally {
      stopped.countDown();
    }
    return exitCode.get();
  }

  /**
   * How old an intent must be before a replica may settle it as crashed: no live daemon still works
   * on it by then (a call lasts at most maxCallDuration; a ledger write waits at most 30 s).
   */
  private static Duration reconcileWindow(SignetdConfig config) {
    return config.limits().maxCallDuration().multipliedBy(2).plusSeconds(30);
  }

  private static List<X509Certificate> servingChain(
      SignetdConfig config, X509Certificate signetApiCa) throws ConfigException, IOException {
    List<byte[]> ders;
    try {
      ders = Pem.readCertificates(Files.readString(config.tls().certificate()));
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "the serving certificate "
              + config.tls().certificate()
              + " does not exist; run 'signetd init'");
    }
    if (ders.isEmpty()) {
      throw new ConfigException(config.tls().certificate() + " holds no certificate");
    }
    List<X509Certificate> chain = ders.stream().map(X509::parse).toList();
    try {
      chain.get(0).verify(signetApiCa.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new ConfigException(
          "the serving certificate "
              + config.tls().certificate()
              + " was not issued by this token's signet-api CA; run 'signetd init' to reissue it");
    }
    return chain;
  }

  private static PrivateKey servingKey(SignetdConfig config) throws ConfigException, IOException {
    try {
      return Pem.readPrivateKey(Files.readAllBytes(config.tls().key()));
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "the serving key " + config.tls().key() + " does not exist; run 'signetd init'");
    }
  }
}
