package dev.signet.server.cli;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.audit.AuditCheckpoints;
import dev.signet.server.audit.AuditLog;
import dev.signet.server.audit.AuditVerifier;
import dev.signet.server.audit.JdbcAuditCheckpoints;
import dev.signet.server.audit.JdbcAuditLog;
import dev.signet.server.auth.IssuancePolicy;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.config.ConfigException;
import dev.signet.server.config.SignetdConfig;
import dev.signet.server.database.Database;
import dev.signet.server.database.LedgerException;
import dev.signet.server.enrollment.Enrollment;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.SigningKey;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.keystore.TokenHealth;
import dev.signet.server.keystore.pkcs11.Pkcs11SigningKey;
import dev.signet.server.keystore.pkcs11.Pkcs11Token;
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
import dev.signet.server.x509.SerialNumbers;
import dev.signet.server.x509.Signatures;
import dev.signet.server.x509.X509;
import java.io.IOException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The daemon's parts, wired by hand in the order a request meets them and closed in reverse: token,
 * ledger, CAs, issuance pipeline. Shared by {@code init} and {@code serve}.
 */
final class Components implements AutoCloseable {
  final SignetdConfig config;
  final Pkcs11Token token;
  final TokenHealth tokenHealth = new TokenHealth();
  final Database database;
  final CertificateStore certificates;
  final AuditLog audit;
  final Nodes nodes;
  final BootstrapTokens bootstrapTokens;
  final Crls crls;
  final AuditCheckpoints checkpoints;
  final CaGenerations generations;
  final RoleMapping roles;
  final IssuancePolicy policy;
  final Clock clock = Clock.systemUTC();
  final SecureRandom random = new SecureRandom();

  private Components(SignetdConfig config, Pkcs11Token token, Database database) {
    this.config = config;
    this.token = token;
    this.database = database;
    this.certificates = new JdbcCertificateStore(database);
    this.audit = new JdbcAuditLog(database);
    this.nodes = new JdbcNodes(database);
    this.bootstrapTokens = new JdbcBootstrapTokens(database);
    this.crls = new JdbcCrls(database);
    this.checkpoints = new JdbcAuditCheckpoints(database);
    this.generations = new JdbcCaGenerations(database);
    this.roles = new RoleMapping(config.authorization().roles());
    this.policy = new IssuancePolicy(config.authorization().provisioners(), nodes);
  }

  /** Logs in to the token (once) and opens the ledger. */
  static Components open(SignetdConfig config) throws TokenException, LedgerException, IOException {
    return open(config, Database::open);
  }

  /** As {@link #open}, for reading beside a running daemon (see {@link Database#openToRead}). */
  static Components openToRead(SignetdConfig config)
      throws TokenException, LedgerException, IOException {
    return open(config, Database::openToRead);
  }

  /** How a command opens the ledger. */
  private interface LedgerOpener {
    Database open(SignetdConfig.Ledger config) throws LedgerException;
  }

  private static Components open(SignetdConfig config, LedgerOpener ledger)
      throws TokenException, LedgerException, IOException {
    char[] pin = config.hsm().pin().read();
    Pkcs11Token token;
    try {
      token =
          Pkcs11Token.open(
              config.hsm().library(), config.hsm().token(), pin, config.hsm().providerConfig());
    } finally {
      Arrays.fill(pin, '\0');
    }
    try {
      return new Components(config, token, ledger.open(config.ledger()));
    } catch (LedgerException | RuntimeException e) {
      token.close();
      throw e;
    }
  }

  /** The CAs as the token and the recorded rotations have them now. */
  CaRegistry cas() throws TokenException, LedgerException {
    return CaRegistry.load(
        token,
        config.cas(),
        config.hsm().maxConcurrentSignatures(),
        // a signer that waits longer than a call may last helps nobody
        config.limits().maxCallDuration().dividedBy(2),
        tokenHealth,
        generations.all());
  }

  /** The audit key in the token, which signs audit checkpoints and nothing else. */
  record AuditKey(SigningKey key, X509Certificate certificate) {
    AuditVerifier.CheckpointKey checkpointKey() {
      return new AuditVerifier.CheckpointKey(
          Signatures.verificationKey(
              SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded())),
          X509.signatureAlgorithm(key.algorithm()).getAlgorithm());
    }
  }

  AuditKey auditKey() throws TokenException {
    Pkcs11Uri uri = config.audit().key();
    Pkcs11Token.TokenKey found =
        token
            .findKey(uri.object().orElseThrow())
            .orElseThrow(
                () ->
                    new TokenException(
                        "the token has no audit key " + uri + "; run 'signetd init' to create it",
                        null));
    KeyAlgorithm algorithm =
        KeyAlgorithm.of(found.certificate().getPublicKey())
            .orElseThrow(
                () ->
                    new TokenException("the audit key " + uri + " is of no supported kind", null));
    return new AuditKey(
        new Pkcs11SigningKey(
            found.privateKey(),
            token.provider(),
            algorithm,
            new Semaphore(1),
            Duration.ofSeconds(10),
            tokenHealth),
        found.certificate());
  }

  /**
   * Refuses the configuration when the signet-api CA or the audit key has the same public key as a
   * cluster CA, or as each other, under another label (an object copied within the token): the
   * labels are checked when the configuration is loaded, this catches the same key twice.
   */
  static void refuseSharedKeys(CaRegistry cas, AuditKey audit) throws ConfigException {
    Map<String, PublicKey> keys = new LinkedHashMap<>();
    for (TrustDomain domain : TrustDomain.values()) {
      keys.put("cas." + domain.configKey(), cas.signingCa(domain).certificate().getPublicKey());
    }
    keys.put("audit.key", audit.certificate().getPublicKey());
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

  IssuancePipeline pipeline(CaRegistry cas) {
    return new IssuancePipeline(
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
        new SerialNumbers(random));
  }

  Enrollment enrollment(IssuancePipeline pipeline) {
    return new Enrollment(
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

  @Override
  public void close() {
    database.close();
    token.close();
  }
}
