package dev.signet.server.daemon;

import dev.signet.common.Pem;
import dev.signet.common.audit.CheckpointStatement;
import dev.signet.server.audit.AuditCheckpointer;
import dev.signet.server.audit.AuditCheckpoints;
import dev.signet.server.audit.AuditKey;
import dev.signet.server.audit.AuditKeyCertificate;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.audit.AuditTrail;
import dev.signet.server.audit.JdbcAuditCheckpoints;
import dev.signet.server.audit.JdbcAuditLog;
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
import dev.signet.server.ledger.Nodes;
import dev.signet.server.ledger.jdbc.JdbcBootstrapTokens;
import dev.signet.server.ledger.jdbc.JdbcCaGenerations;
import dev.signet.server.ledger.jdbc.JdbcCertificateStore;
import dev.signet.server.ledger.jdbc.JdbcCrls;
import dev.signet.server.ledger.jdbc.JdbcNodes;
import dev.signet.server.profile.ClusterDefaults;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.revocation.CrlPublisher;
import dev.signet.server.revocation.Revocations;
import dev.signet.server.revocation.RevokedCredentials;
import dev.signet.server.rotation.CaRotation;
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
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
  private final Nodes nodes;
  private final BootstrapTokens bootstrapTokens;
  private final Crls crls;
  private final CaGenerations generations;
  private final RoleMapping roles;
  private final IssuancePolicy policy;

  // loadCas()
  private CaRegistry cas;
  private IssuancePipeline pipeline;
  private Enrollment enrollment;

  // serve()
  private AuditKey auditKey;
  private CrlPublisher crlPublisher;
  private RevokedCredentials revokedCredentials;
  private AuditCheckpointer checkpointer;
  private CaRotation rotation;
  private Revocations revocations;
  private SignetServer server;

  private Daemon(SignetdConfig config, CaKeyStore keys, Database database) {
    this.config = config;
    this.keys = keys;
    this.database = database;
    started.push(keys);
    started.push(database);
    this.certificates = new JdbcCertificateStore(database);
    JdbcAuditLog auditLog = new JdbcAuditLog(database);
    this.audit = auditLog;
    this.trail = auditLog;
    this.checkpoints = new JdbcAuditCheckpoints(database);
    this.nodes = new JdbcNodes(database);
    this.bootstrapTokens = new JdbcBootstrapTokens(database);
    this.crls = new JdbcCrls(database);
    this.generations = new JdbcCaGenerations(database);
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
    CaKeyStore store = keys.open(config);
    try {
      return new Daemon(config, store, ledger.open(config.ledger()));
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
    enrollment =
        new Enrollment(
            pipeline,
            policy,
            bootstrapTokens,
            nodes,
            audit,
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
    X509Certificate signetApiCa = cas.signingCa(TrustDomain.SIGNET_API).certificate();
    List<X509Certificate> chain = servingChain(signetApiCa);
    PrivateKey servingKey = servingKey();
    auditKey = findAuditKey();
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
    // Closed right after the servers, once every call has finished, before the ledger closes.
    own(this::checkpointAtShutdown);
    server = own(SignetServer.start(config, this, servingKey, chain));
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

  private PrivateKey servingKey() throws ConfigException, IOException {
    try {
      return Pem.readPrivateKey(Files.readAllBytes(config.tls().key()));
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          "the serving key " + config.tls().key() + " does not exist; run 'signetd init'");
    }
  }
}
