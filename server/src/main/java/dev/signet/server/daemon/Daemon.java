package dev.signet.server.daemon;

import dev.signet.common.Pem;
import dev.signet.common.audit.CheckpointStatement;
import dev.signet.server.audit.AuditCheckpointer;
import dev.signet.server.audit.AuditCheckpoints;
import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.AuditKey;
import dev.signet.server.audit.AuditKeyCertificate;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.audit.AuditTrail;
import dev.signet.server.audit.JdbcAuditCheckpoints;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.audit.RefusalAudit;
import dev.signet.server.audit.StoredAuditKey;
import dev.signet.server.auth.IssuancePolicy;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.ca.CertificateAuthority;
import dev.signet.server.config.ConfigException;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.enrollment.Enrollment;
import dev.signet.server.grpc.ExternalJwtSignerServer;
import dev.signet.server.grpc.ServerLoad;
import dev.signet.server.grpc.SignetServer;
import dev.signet.server.issuance.IntentReconciler;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.SigningException;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.keystore.TokenHealth;
import dev.signet.server.keystore.pkcs11.Pkcs11KeyStore;
import dev.signet.server.ledger.BootstrapTokens;
import dev.signet.server.ledger.CaGenerations;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.ledger.Crls;
import dev.signet.server.ledger.KeyGeneration;
import dev.signet.server.ledger.Nodes;
import dev.signet.server.ledger.RowSeals;
import dev.signet.server.ledger.ServiceAccountKeyGenerations;
import dev.signet.server.ledger.jdbc.JdbcBootstrapTokens;
import dev.signet.server.ledger.jdbc.JdbcCaGenerations;
import dev.signet.server.ledger.jdbc.JdbcCertificateStore;
import dev.signet.server.ledger.jdbc.JdbcCrls;
import dev.signet.server.ledger.jdbc.JdbcNodes;
import dev.signet.server.ledger.jdbc.JdbcServiceAccountKeyGenerations;
import dev.signet.server.ledger.jdbc.SealedRows;
import dev.signet.server.metrics.MeteredKeyStore;
import dev.signet.server.metrics.MetricsServer;
import dev.signet.server.metrics.SignetdMetrics;
import dev.signet.server.profile.ClusterDefaults;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.revocation.CrlPublisher;
import dev.signet.server.revocation.Revocations;
import dev.signet.server.revocation.RevokedCredentials;
import dev.signet.server.rotation.CaRotation;
import dev.signet.server.serviceaccount.ServiceAccountKeys;
import dev.signet.server.serviceaccount.SigningActivity;
import dev.signet.server.serviceaccount.SigningCounters;
import dev.signet.server.serviceaccount.TokenSigner;
import dev.signet.server.support.Logging;
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * signetd assembled from its configuration: the one place that builds every component, starts them
 * in the order a request meets them (key store, ledger, CAs, issuance, background services,
 * servers) and stops them in reverse, also when a start fails half-way. {@code signetd serve},
 * {@code init} and {@code audit verify}, the in-process tests and the benchmarks all run it.
 *
 * <p>It comes up in three steps, each needing the one before: {@link #open} (the key store and the
 * ledger: what {@code init} needs to make the CAs), {@link #loadCas} (the CAs and the issuance
 * pipeline), {@link #serve} (settle crashed intents, background services, the gRPC servers). {@link
 * #start} takes all three.
 */
public final class Daemon implements AutoCloseable, SignetServer.Backend {
  private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

  private static final Duration RECONCILE_PERIOD = Duration.ofSeconds(30);

  /** How soon a credential revoked through another replica is refused here. */
  private static final Duration REVOKED_CREDENTIALS_REFRESH = Duration.ofSeconds(2);

  /** How soon a CA rotation step made through another replica is adopted here. */
  private static final Duration ROTATION_REFRESH = Duration.ofSeconds(2);

  /**
   * How many sources' refusals the audit keeps apart in one interval; beyond, they are counted
   * together.
   */
  private static final int REFUSAL_SOURCES = 1024;

  /** How the daemon opens its key store: the PKCS#11 token in production, another in tests. */
  @FunctionalInterface
  public interface KeyStoreOpener {
    CaKeyStore open(SignetdConfig config) throws TokenException, IOException;
  }

  /**
   * The token {@code hsm.*} names, logged in to once. A signer waits for a signing slot at most
   * half a call's duration: longer helps nobody.
   */
  public static final KeyStoreOpener PKCS11 =
      config -> {
        char[] pin = config.hsm().pin().read();
        try {
          return Pkcs11KeyStore.open(
              config.hsm().library(),
              config.hsm().token(),
              pin,
              config.hsm().providerConfig(),
              config.hsm().maxConcurrentSignatures(),
              config.limits().maxCallDuration().dividedBy(2));
        } finally {
          Arrays.fill(pin, '\0');
        }
      };

  /** How a command opens the ledger: as its owner, or to read beside a running daemon. */
  private interface LedgerOpener {
    Database open(SignetdConfig.Ledger config) throws LedgerException;
  }

  private final SignetdConfig config;
  private final SignetdMetrics metrics;
  private final Clock clock = Clock.systemUTC();
  private final SecureRandom random = new SecureRandom();

  /** What was started, most recent first: closed in this order. */
  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  private final CaKeyStore keys;
  private final Database database;
  private final CertificateStore certificates;
  private final AuditLog audit;
  private final AuditTrail trail;
  private final AuditCheckpoints checkpoints;
  private final RowSeals seals = new RowSeals();
  private final SealedRows sealedRows;
  private final Nodes nodes;
  private final BootstrapTokens bootstrapTokens;
  private final Crls crls;
  private final CaGenerations generations;
  private final ServiceAccountKeyGenerations serviceAccountGenerations;
  private final RoleMapping roles;
  private final IssuancePolicy policy;

  // loadCas()
  private CaRegistry cas;
  private IssuancePipeline pipeline;
  private Enrollment enrollment;
  private RefusalAudit refusals;

  // serve()
  private AuditKey auditKey;
  private CrlPublisher crlPublisher;
  private RevokedCredentials revokedCredentials;
  private AuditCheckpointer checkpointer;
  private CaRotation rotation;
  private Revocations revocations;
  private ServiceAccountKeys serviceAccountKeys;
  private SigningActivity tokenSigning;
  private SignetServer server;
  private MetricsServer metricsServer;
  private ExternalJwtSignerServer tokenSignerServer;

  private Daemon(SignetdConfig config, SignetdMetrics metrics, CaKeyStore keys, Database database) {
    this.config = config;
    this.metrics = metrics;
    this.keys = keys;
    this.database = database;
    started.push(keys);
    started.push(database);
    JdbcCertificateStore certificateStore = new JdbcCertificateStore(database, seals);
    this.certificates = certificateStore;
    JdbcAuditLog auditLog = new JdbcAuditLog(database);
    this.audit = auditLog;
    this.trail = auditLog;
    this.checkpoints = new JdbcAuditCheckpoints(database);
    JdbcNodes nodeStore = new JdbcNodes(database, seals);
    JdbcBootstrapTokens tokenStore = new JdbcBootstrapTokens(database, seals);
    this.nodes = nodeStore;
    this.bootstrapTokens = tokenStore;
    this.sealedRows = new SealedRows(nodeStore, tokenStore, certificateStore);
    seals.reportTo(this::auditBrokenSeal);
    this.crls = new JdbcCrls(database);
    this.generations = new JdbcCaGenerations(database);
    this.serviceAccountGenerations = new JdbcServiceAccountKeyGenerations(database);
    this.roles = new RoleMapping(config.authorization().roles());
    this.policy = new IssuancePolicy(config.authorization().provisioners(), nodes);
  }

  /** Opens the key store (one login) and the ledger (migrated): what {@code init} needs. */
  public static Daemon open(SignetdConfig config, KeyStoreOpener keys)
      throws TokenException, LedgerException, IOException {
    return open(config, keys, Database::open);
  }

  /**
   * As {@link #open}, for reading beside a running daemon ({@code audit verify}): the ledger is
   * opened without its lock and left unmigrated (see {@link Database#openToRead}).
   */
  public static Daemon openToRead(SignetdConfig config, KeyStoreOpener keys)
      throws TokenException, LedgerException, IOException {
    return open(config, keys, Database::openToRead);
  }

  /** Opens, loads the CAs and serves: the whole daemon, accepting calls when this returns. */
  public static Daemon start(SignetdConfig config, KeyStoreOpener keys)
      throws TokenException, LedgerException, SigningException, ConfigException, IOException {
    Daemon daemon = open(config, keys);
    try {
      daemon.loadCas();
      daemon.serve();
      return daemon;
    } catch (TokenException
        | LedgerException
        | SigningException
        | ConfigException
        | IOException
        | RuntimeException e) {
      daemon.close();
      throw e;
    }
  }

  private static Daemon open(SignetdConfig config, KeyStoreOpener keys, LedgerOpener ledger)
      throws TokenException, LedgerException, IOException {
    SignetdMetrics metrics = new SignetdMetrics();
    CaKeyStore store = new MeteredKeyStore(keys.open(config), metrics);
    try {
      Database database = ledger.open(config.ledger());
      database.observeCommits(
          (writes, nanos) -> {
            metrics.commits.observe(SignetdMetrics.seconds(nanos));
            metrics.batches.observe(writes);
          });
      return new Daemon(config, metrics, store, database);
    } catch (LedgerException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Loads the CAs as the key store and the recorded rotations have them now, and the issuance
   * pipeline that signs with them.
   *
   * @throws TokenException if a CA key is missing (run init)
   */
  public void loadCas() throws TokenException, LedgerException {
    keys.findMacKey(RowSeals.KEY_LABEL).ifPresent(seals::use);
    cas = CaRegistry.load(keys, config.cas(), generations.all());
    pipeline =
        new IssuancePipeline(
            cas,
            certificates,
            audit,
            policy,
            new IssuancePipeline.Settings(
                new ClusterDefaults(config.cluster().dnsDomain(), config.cluster().serviceCidr()),
                config.issuance().validity(),
                config.issuance().apiCredentialValidity(),
                config.issuance().backdate()),
            clock,
            SerialNumbers.perThread());
    if (refusals == null) {
      refusals =
          own(
              new RefusalAudit(
                  audit, clock, config.enrollment().refusalAuditInterval(), REFUSAL_SOURCES));
    }
    enrollment =
        new Enrollment(
            pipeline,
            policy,
            bootstrapTokens,
            nodes,
            audit,
            refusals,
            roles,
            new Enrollment.Settings(
                config.enrollment().defaultTokenTtl(), config.enrollment().maxTokenTtl()),
            clock,
            random);
  }

  /**
   * Settles what a crash left (before serving, and CRLs that list it), starts the background
   * services (intent reconciliation, rotation refresh, revoked credentials, CRLs, audit
   * checkpoints) and then the API and enrollment servers.
   */
  public void serve()
      throws TokenException, LedgerException, SigningException, ConfigException, IOException {
    if (cas == null) {
      throw new IllegalStateException("load the CAs first");
    }
    if (!seals.keyed()) {
      throw new TokenException(
          keys.description()
              + " has no ledger seal key '"
              + RowSeals.KEY_LABEL
              + "'; run 'signetd init': it creates the key and seals the rows recorded before it",
          null);
    }
    X509Certificate signetApiCa = cas.signingCa(TrustDomain.SIGNET_API).certificate();
    List<X509Certificate> chain = servingChain(signetApiCa);
    PrivateKey servingKey = servingKey();
    auditKey = findAuditKey();
    refuseSharedKeys(cas, auditKey);
    warnAboutUnconstrainedProvisioners();
    certifyAuditKey(auditKey);
    crlPublisher =
        own(
            new CrlPublisher(
                cas,
                certificates,
                crls,
                new CrlPublisher.Settings(
                    config.revocation().crlRefreshInterval(),
                    config.revocation().crlValidity(),
                    config.issuance().backdate()),
                clock));
    revokedCredentials = own(new RevokedCredentials(certificates, cas, clock));
    checkpointer = own(new AuditCheckpointer(checkpoints, auditKey, clock));
    IntentReconciler reconciler = own(new IntentReconciler(certificates, clock, reconcileWindow()));
    rotation =
        own(
            new CaRotation(
                keys, cas, generations, config, clock, random, crlPublisher::publishSoon));
    revocations =
        new Revocations(certificates, audit, cas, crlPublisher, revokedCredentials, clock);

    if (!reconciler.reconcileAtStart(database.exclusive()).isEmpty()) {
      for (CertificateAuthority ca : cas.all()) {
        crlPublisher.publish(ca);
      }
    }
    // The chain's state as this daemon takes over; after a crash, it covers what the crash left.
    checkpointer.checkpoint(CheckpointStatement.Kind.START);
    reconciler.start(RECONCILE_PERIOD, () -> cas.all().forEach(crlPublisher::publishSoon));
    rotation.start(ROTATION_REFRESH);
    revokedCredentials.start(REVOKED_CREDENTIALS_REFRESH);
    crlPublisher.start();
    checkpointer.start(config.audit().checkpointInterval());
    // Closed after the servers and the token signing's last aggregate audit event, once every call
    // has finished, before the ledger closes.
    own(this::checkpointAtShutdown);
    SignetdConfig.ServiceAccount serviceAccount = config.serviceAccount();
    serviceAccountKeys =
        own(
            ServiceAccountKeys.load(
                keys,
                serviceAccountGenerations,
                new ServiceAccountKeys.Settings(
                    serviceAccountKeyLabel(),
                    serviceAccount.algorithm(),
                    serviceAccount.refreshHint(),
                    serviceAccount.maxTokenExpiration(),
                    legacyServiceAccountKeys(serviceAccount.legacyPublicKeys()),
                    config.cas().validity(),
                    config.issuance().backdate()),
                clock,
                random));
    serviceAccountKeys.start(ROTATION_REFRESH);
    tokenSigning = own(new SigningActivity(audit, clock));
    tokenSigning.start(serviceAccount.auditInterval());
    server = own(SignetServer.start(config, this, servingKey, chain));
    if (serviceAccount.socket().isPresent()) {
      tokenSignerServer =
          own(
              ExternalJwtSignerServer.start(
                  serviceAccount,
                  new TokenSigner(
                      serviceAccountKeys::current,
                      serviceAccount.maxTokenExpiration(),
                      serviceAccount.maxSignsPerSecond(),
                      tokenSigning,
                      clock),
                  serviceAccountKeys::current,
                  config.limits()));
    }
    registerStateGauges();
    if (config.metrics().listen().isPresent()) {
      SignetdConfig.Listen listen = config.metrics().listen().get();
      metricsServer =
          own(MetricsServer.start(listen.host(), listen.port(), metrics, this::unready));
      LOG.info("metrics and probes on http://" + listen.host() + ":" + metricsServer.port());
    }
  }

  /**
   * The gauges read from the daemon's state when scraped. Another component's metric registers here
   * the same way ({@link SignetdMetrics#gauge}), or adds its instrument to {@link SignetdMetrics}.
   */
  private void registerStateGauges() {
    String[] none = {};
    String[] ca = {"trust_domain", "generation"};
    metrics.gauge(
        "signet_token_up",
        "1 while the token can sign, 0 once it failed (signetd exits 75 then, for a restart).",
        none,
        samples -> samples.add(keys.health().healthy() ? 1 : 0));
    metrics.gauge(
        "signet_audit_head_sequence",
        "Sequence number of the audit chain's newest event.",
        none,
        samples -> {
          try {
            samples.add((double) checkpoints.head().seq());
          } catch (LedgerException unreadable) {
            // absent while the ledger cannot be read; /readyz says why
          }
        });
    metrics.gauge(
        "signet_audit_checkpoint_age_seconds",
        "Age of the newest signed checkpoint of the audit chain; absent before the first.",
        none,
        samples -> {
          try {
            checkpoints.newest().ifPresent(c -> samples.add(secondsSince(c.statement().at())));
          } catch (LedgerException unreadable) {
            // absent while the ledger cannot be read
          }
        });
    metrics.gauge(
        "signet_ca_expiry_seconds",
        "Seconds until each CA generation in use (not retired) expires.",
        ca,
        samples ->
            eachGenerationInUse(
                (domain, generation) ->
                    samples.add(
                        -secondsSince(generation.ca().notAfter()),
                        label(domain),
                        String.valueOf(generation.number()))));
    metrics.gauge(
        "signet_crl_age_seconds",
        "Age (since thisUpdate) of the newest CRL of each CA generation in use.",
        ca,
        samples -> eachCrl((labels, crl) -> samples.add(secondsSince(crl.thisUpdate()), labels)));
    metrics.gauge(
        "signet_crl_size_bytes",
        "Size of the newest CRL of each CA generation in use.",
        ca,
        samples -> eachCrl((labels, crl) -> samples.add((double) crl.bytes(), labels)));
    metrics.gauge(
        "signet_calls_in_flight",
        "Calls being served now, per listener (api, enrollment).",
        new String[] {"listener"},
        samples -> eachPort(port -> samples.add(port.callsInFlight(), port.name())));
    metrics.gauge(
        "signet_calls_limit",
        "The most calls a listener serves at once; more get RESOURCE_EXHAUSTED.",
        new String[] {"listener"},
        samples -> eachPort(port -> samples.add(port.maxCalls(), port.name())));
    metrics.gauge(
        "signet_log_records_dropped",
        "Log records dropped since start because the log queue was full (see support.Logging).",
        none,
        samples -> samples.add((double) Logging.dropped()));
  }

  private void eachGenerationInUse(
      java.util.function.BiConsumer<TrustDomain, CaRegistry.Generation> each) {
    for (TrustDomain domain : TrustDomain.values()) {
      for (CaRegistry.Generation generation : cas.generations(domain)) {
        if (generation.state() != KeyGeneration.State.RETIRED) {
          each.accept(domain, generation);
        }
      }
    }
  }

  private void eachCrl(java.util.function.BiConsumer<String[], Crls.Summary> each) {
    eachGenerationInUse(
        (domain, generation) -> {
          try {
            crls.latestSummary(generation.ca().keyId())
                .ifPresent(
                    crl ->
                        each.accept(
                            new String[] {label(domain), String.valueOf(generation.number())},
                            crl));
          } catch (LedgerException unreadable) {
            // absent while the ledger cannot be read
          }
        });
  }

  /** Each listening port's load (api, and enrollment when it runs). */
  private void eachPort(java.util.function.Consumer<ServerLoad.Port> each) {
    ServerLoad load = server.load();
    each.accept(load.api());
    load.enrollment().ifPresent(each);
  }

  /** A trust domain as metrics name it: kubernetes, etcd, front-proxy, signet-api. */
  private static String label(TrustDomain domain) {
    return domain.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private double secondsSince(Instant then) {
    return Duration.between(then, clock.instant()).toMillis() / 1000.0;
  }

  /**
   * Why the daemon cannot issue now, for {@code /readyz}: the token failed, the ledger does not
   * take a durable write, or a CA in use is not valid now. Empty when it can.
   */
  public List<String> unready() {
    List<String> problems = new ArrayList<>();
    keys.health().failure().ifPresent(failure -> problems.add("token: " + failure));
    try {
      database.write(connection -> null);
    } catch (SQLException e) {
      problems.add("ledger: not writable: " + e.getMessage());
    }
    Instant now = clock.instant();
    for (CertificateAuthority authority : cas.all()) {
      if (now.isBefore(authority.notBefore()) || !now.isBefore(authority.notAfter())) {
        problems.add(
            "CA "
                + authority.label()
                + ": not valid now (valid "
                + authority.notBefore()
                + " to "
                + authority.notAfter()
                + ")");
      }
    }
    return problems;
  }

  /** The port of metrics and probes, when {@code metrics.listen} is set. */
  public Optional<Integer> metricsPort() {
    return Optional.ofNullable(metricsServer).map(MetricsServer::port);
  }

  @Override
  public SignetdMetrics metrics() {
    return metrics;
  }

  /** The last checkpoint of a serving daemon, over the head it leaves. */
  private void checkpointAtShutdown() {
    try {
      checkpointer.checkpoint(CheckpointStatement.Kind.SHUTDOWN);
    } catch (LedgerException | SigningException | RuntimeException e) {
      LOG.warning(
          "cannot sign the shutdown checkpoint ("
              + e.getMessage()
              + "): until signetd runs again, audit verification reports the newest checkpoint"
              + " as stale");
    }
  }

  /**
   * What {@code init} recorded ends the chain like a daemon's shutdown: covered by a checkpoint of
   * kind shutdown, signed with the audit key certified by the signet-api CA (both made now if
   * missing). Needs the CAs ({@link #loadCas}).
   */
  public CheckpointStatement checkpointAtInit()
      throws TokenException, LedgerException, SigningException {
    AuditKey key = findAuditKey();
    certifyAuditKey(key);
    try (AuditCheckpointer signer = new AuditCheckpointer(checkpoints, key, clock)) {
      return signer.checkpoint(CheckpointStatement.Kind.SHUTDOWN).statement();
    }
  }

  /**
   * The audit key's certificate from the signet-api CA, issued now if the ledger has none (see
   * {@link AuditKeyCertificate}).
   */
  private X509Certificate certifyAuditKey(AuditKey key) throws LedgerException, SigningException {
    return AuditKeyCertificate.ensure(
        key,
        cas.signingCa(TrustDomain.SIGNET_API),
        checkpoints,
        audit,
        new SerialNumbers(random),
        clock);
  }

  private <T extends AutoCloseable> T own(T part) {
    started.push(part);
    return part;
  }

  /** Stops what started, in reverse: servers (calls in flight finish), services, ledger, token. */
  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        LOG.warning("stopping " + part + ": " + e);
      }
    }
  }

  public SignetdConfig config() {
    return config;
  }

  public CaKeyStore keyStore() {
    return keys;
  }

  @Override
  public Database database() {
    return database;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  public SecureRandom random() {
    return random;
  }

  @Override
  public CaRegistry cas() {
    return cas;
  }

  @Override
  public IssuancePipeline pipeline() {
    return pipeline;
  }

  @Override
  public Enrollment enrollment() {
    return enrollment;
  }

  public CertificateStore certificates() {
    return certificates;
  }

  @Override
  public AuditLog audit() {
    return audit;
  }

  @Override
  public RefusalAudit refusals() {
    return refusals;
  }

  /** How full the servers' limits are (calls and connections), for metrics. */
  public ServerLoad serverLoad() {
    return server.load();
  }

  @Override
  public RoleMapping roles() {
    return roles;
  }

  @Override
  public Revocations revocations() {
    return revocations;
  }

  @Override
  public CrlPublisher crlPublisher() {
    return crlPublisher;
  }

  public Crls crls() {
    return crls;
  }

  @Override
  public RevokedCredentials revokedCredentials() {
    return revokedCredentials;
  }

  @Override
  public AuditCheckpointer checkpointer() {
    return checkpointer;
  }

  @Override
  public AuditKey auditKey() {
    return auditKey;
  }

  @Override
  public AuditCheckpoints checkpoints() {
    return checkpoints;
  }

  @Override
  public AuditTrail trail() {
    return trail;
  }

  @Override
  public CaRotation rotation() {
    return rotation;
  }

  @Override
  public CaGenerations generations() {
    return generations;
  }

  @Override
  public ServiceAccountKeys serviceAccountKeys() {
    return serviceAccountKeys;
  }

  /** How many service-account tokens were signed and refused, for metrics. */
  public SigningCounters tokenSigningCounters() {
    return tokenSigning;
  }

  /** The service-account signing socket, when it is served. */
  public Optional<Path> serviceAccountSocket() {
    return Optional.ofNullable(tokenSignerServer).map(ExternalJwtSignerServer::socket);
  }

  /** The label of the first service-account signing key in the token. */
  public String serviceAccountKeyLabel() {
    return config.serviceAccount().key().object().orElseThrow();
  }

  @Override
  public TokenHealth tokenHealth() {
    return keys.health();
  }

  /** The API server's port (the configuration may ask for port 0). */
  public int port() {
    return server.port();
  }

  /** The enrollment server's port, when it runs. */
  public Optional<Integer> enrollmentPort() {
    return server.enrollmentPort();
  }

  /**
   * Generates the ledger seal key ({@link RowSeals}) in the token when there is none.
   *
   * @return whether it was generated now
   */
  public boolean ensureSealKey() throws TokenException {
    if (keys.findMacKey(RowSeals.KEY_LABEL).isPresent()) {
      return false;
    }
    keys.generateMacKey(RowSeals.KEY_LABEL);
    return true;
  }

  /**
   * Seals the rows recorded before the seal key existed (an upgraded ledger), for {@code init} in
   * the run that creates the key, and checks the others.
   */
  public SealedRows.Report sealRowsRecordedBefore() throws TokenException, LedgerException {
    useSealKey();
    return sealedRows.sealUnsealed();
  }

  /** Checks the seal of every row that grants power ({@code audit verify}). */
  public SealedRows.Report verifyRowSeals() throws TokenException, LedgerException {
    useSealKey();
    return sealedRows.verify();
  }

  private void useSealKey() throws TokenException {
    seals.use(
        keys.findMacKey(RowSeals.KEY_LABEL)
            .orElseThrow(
                () ->
                    new TokenException(
                        keys.description()
                            + " has no ledger seal key '"
                            + RowSeals.KEY_LABEL
                            + "'; run 'signetd init' to create it",
                        null)));
  }

  /** Logs and audits a row refused because its seal does not verify. */
  private void auditBrokenSeal(String table, String id) throws LedgerException {
    String detail =
        table
            + " row "
            + id
            + ": its seal does not verify (recorded or altered outside signetd); refused as absent";
    LOG.warning(detail);
    audit.record(
        new AuditEvent(
            clock.instant(),
            "signetd",
            "",
            "check-row",
            "",
            table.equals("nodes") ? id : "",
            AuditEvent.Decision.REJECTED,
            "ROW_SEAL_BROKEN",
            detail,
            table.equals("certificates") ? id : "",
            "",
            table.equals("bootstrap_tokens") ? id : ""));
  }

  /** The audit key in the token, which signs audit checkpoints and nothing else. */
  public AuditKey findAuditKey() throws TokenException {
    Pkcs11Uri uri = config.audit().key();
    return keys.find(uri.object().orElseThrow())
        .<AuditKey>map(StoredAuditKey::new)
        .orElseThrow(
            () ->
                new TokenException(
                    keys.description()
                        + " has no audit key "
                        + uri
                        + "; run 'signetd init' to create it",
                    null));
  }

  /**
   * Refuses the configuration when the signet-api CA or the audit key has the same public key as a
   * cluster CA, or as each other, under another label (an object copied within the token): the
   * labels are checked when the configuration is loaded, this catches the same key twice.
   */
  public static void refuseSharedKeys(CaRegistry cas, AuditKey audit) throws ConfigException {
    Map<String, PublicKey> keys = new LinkedHashMap<>();
    for (TrustDomain domain : TrustDomain.values()) {
      keys.put("cas." + domain.configKey(), cas.signingCa(domain).certificate().getPublicKey());
    }
    keys.put("audit.key", audit.publicKey());
    for (String apart : List.of("cas." + TrustDomain.SIGNET_API.configKey(), "audit.key")) {
      for (Map.Entry<String, PublicKey> other : keys.entrySet()) {
        if (!other.getKey().equals(apart)
            && Arrays.equals(keys.get(apart).getEncoded(), other.getValue().getEncoded())) {
          throw new ConfigException(
              apart
                  + " and "
                  + other.getKey()
                  + " are the same public key in the token; "
                  + apart
                  + " must be a key of its own");
        }
      }
    }
  }

  /**
   * Logs and audits, at every start, each provisioner whose entry lifts all name constraints: a
   * grant that wide should not go unnoticed.
   */
  private void warnAboutUnconstrainedProvisioners() throws LedgerException {
    for (String name : policy.unconstrainedProvisioners()) {
      String detail =
          "provisioner "
              + name
              + " is unconstrained (authorization.provisioners."
              + name
              + ".unconstrained: true): it may name any node, address and DNS name";
      LOG.warning(detail);
      audit.record(
          new AuditEvent(
              clock.instant(),
              "signetd",
              "",
              "start",
              "",
              "",
              AuditEvent.Decision.WARNING,
              "PROVISIONER_UNCONSTRAINED",
              detail,
              "",
              "",
              ""));
    }
  }

  /**
   * How old an intent must be before a replica may settle it as crashed: no live daemon still works
   * on it by then (a call lasts at most maxCallDuration; a ledger write waits at most 30 s).
   */
  private Duration reconcileWindow() {
    return config.limits().maxCallDuration().multipliedBy(2).plusSeconds(30);
  }

  private List<X509Certificate> servingChain(X509Certificate signetApiCa)
      throws ConfigException, IOException {
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

  /** The public keys of an earlier signer (kubeadm's sa.pub), PEM files of PUBLIC KEY blocks. */
  private static List<PublicKey> legacyServiceAccountKeys(List<Path> files)
      throws ConfigException, IOException {
    List<PublicKey> keys = new ArrayList<>();
    for (Path file : files) {
      List<byte[]> ders;
      try {
        ders = Pem.readPublicKeys(Files.readString(file));
      } catch (NoSuchFileException e) {
        throw new ConfigException("serviceAccount.legacyPublicKeys: " + file + " does not exist");
      }
      if (ders.isEmpty()) {
        throw new ConfigException(
            "serviceAccount.legacyPublicKeys: " + file + " holds no PUBLIC KEY block");
      }
      for (byte[] der : ders) {
        keys.add(publicKey(file, der));
      }
    }
    return keys;
  }

  private static PublicKey publicKey(Path file, byte[] der) throws ConfigException {
    for (String family : List.of("RSA", "EC")) {
      try {
        return KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the other family
      }
    }
    throw new ConfigException(
        "serviceAccount.legacyPublicKeys: " + file + " holds a key that is neither RSA nor EC");
  }

  private PrivateKey servingKey() throws ConfigException, IOException {
    try {
      return Pem.readPrivateKey(Files.readAllBytes(config.tls().key()));
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "the serving key " + config.tls().key() + " does not exist; run 'signetd init'");
    }
  }
}
