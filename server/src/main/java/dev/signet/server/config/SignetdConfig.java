package dev.signet.server.config;

import dev.signet.common.KeyAlgorithm;
import dev.signet.common.SecretSource;
import dev.signet.server.auth.ProvisionerGrant;
import dev.signet.server.auth.Role;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.support.LogFormat;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The daemon's configuration, validated: every value here is usable as it stands. Loaded from one
 * YAML file by {@link ConfigLoader}; {@code hsm-config/signetd.yaml.template} documents each key.
 */
public record SignetdConfig(
    Path file,
    Listen listen,
    Tls tls,
    Hsm hsm,
    Cas cas,
    Ledger ledger,
    Issuance issuance,
    Cluster cluster,
    Authorization authorization,
    Enrollment enrollment,
    Audit audit,
    Revocation revocation,
    ServiceAccount serviceAccount,
    Limits limits,
    Metrics metrics,
    Logging logging) {

  /** Where the gRPC server listens. */
  public record Listen(String host, int port) {
    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /**
   * The daemon's serving credential, issued by the signet-api CA at init, and the names it carries;
   * {@code operatorDirectory} is where init writes the first operator credential.
   */
  public record Tls(Path certificate, Path key, List<String> serverNames, Path operatorDirectory) {}

  /**
   * The PKCS#11 module and token. The PIN is a reference, read once at start-up. {@code
   * providerConfig} is a SunPKCS11 configuration template; empty means the built-in one.
   */
  public record Hsm(
      Path library,
      Pkcs11Uri token,
      SecretSource pin,
      int maxConcurrentSignatures,
      Optional<Path> providerConfig) {}

  /** The CA key of each trust domain, and how init creates missing ones. */
  public record Cas(KeyAlgorithm algorithm, Duration validity, Map<TrustDomain, Pkcs11Uri> keys) {
    public Pkcs11Uri key(TrustDomain domain) {
      return keys.get(domain);
    }
  }

  /**
   * The ledger database: an embedded SQLite file by default, PostgreSQL for replicas. A
   * PostgreSQL's durability settings are checked at start-up and then every {@code
   * durabilityCheckInterval}, since they can be changed while it runs.
   */
  public record Ledger(
      String url,
      Optional<String> user,
      Optional<SecretSource> password,
      Duration durabilityCheckInterval) {
    public static final Duration DEFAULT_DURABILITY_CHECK = Duration.ofSeconds(10);

    public Ledger(String url, Optional<String> user, Optional<SecretSource> password) {
      this(url, user, password, DEFAULT_DURABILITY_CHECK);
    }
  }

  /** Lifetimes of issued certificates. */
  public record Issuance(Duration validity, Duration backdate, Duration apiCredentialValidity) {}

  /** Cluster-wide defaults for the apiserver profile. */
  public record Cluster(String dnsDomain, String serviceCidr) {}

  /**
   * Who may do what: the organization (O) of a Signet API credential that confers each role, and
   * what each provisioner is granted, by credential name (CN); a provisioner without an entry gets
   * nothing.
   */
  public record Authorization(
      Map<String, Role> roles, Map<String, ProvisionerGrant> provisioners) {}

  /**
   * The enrollment endpoint, where new nodes spend bootstrap tokens over server-authenticated TLS;
   * empty {@code listen} turns it off. Anyone who can reach it may call, so everything it accepts
   * is bounded apart from the API's: calls in flight ({@code maxConcurrentCalls}) and connections
   * ({@code maxConnections}) in all; connections, calls in flight and calls per second from each
   * source address; and refused joins reach the audit trail as one event per source and reason per
   * {@code refusalAuditInterval}, with a count.
   */
  public record Enrollment(
      Optional<Listen> listen,
      Duration defaultTokenTtl,
      Duration maxTokenTtl,
      int maxConcurrentCalls,
      int maxCallsPerPeer,
      int maxConnections,
      int maxConnectionsPerPeer,
      double callsPerSecondPerPeer,
      int callBurstPerPeer,
      Duration refusalAuditInterval) {}

  /** The audit key in the token, which signs checkpoints of the audit chain, and how often. */
  public record Audit(Pkcs11Uri key, Duration checkpointInterval) {}

  /** CRLs: renewed at least every refresh interval, each valid for {@code crlValidity}. */
  public record Revocation(Duration crlRefreshInterval, Duration crlValidity) {}

  /**
   * The service-account token signer kube-apiserver calls (Kubernetes' ExternalJWTSigner): the key
   * in the token that {@code signetd init} creates with {@code algorithm}, the unix socket it is
   * served on (none: not served), who may connect to it, the longest token lifetime it signs, how
   * often kube-apiserver should fetch the keys, the rate of signatures, how often the signatures
   * are audited (in aggregate), and public keys of an earlier signer (a kubeadm {@code sa.pub})
   * whose tokens stay verifiable.
   */
  public record ServiceAccount(
      Pkcs11Uri key,
      KeyAlgorithm algorithm,
      Optional<Path> socket,
      Set<PosixFilePermission> socketMode,
      Optional<String> socketOwner,
      Optional<String> socketGroup,
      Duration maxTokenExpiration,
      Duration refreshHint,
      int maxSignsPerSecond,
      Duration auditInterval,
      List<Path> legacyPublicKeys) {}

  /**
   * The local HTTP endpoint of Prometheus metrics ({@code /metrics}) and probes ({@code /healthz},
   * {@code /readyz}): plain HTTP without client certificates, so meant for a local address; empty
   * {@code listen} (the default) turns it off.
   */
  public record Metrics(Optional<Listen> listen) {}

  /** How log lines are written: one line per event, as text or as a JSON object. */
  public record Logging(LogFormat format) {}

  /**
   * Resource bounds of the gRPC servers, all explicit. Every call ends by {@code maxCallDuration};
   * every connection by {@code maxConnectionAge} plus {@code maxConnectionAgeGrace}. Of the API's
   * {@code maxConcurrentCalls}, {@code reservedCaAdminCalls} are kept for ca-admin credentials;
   * node and auditor credentials share {@code maxNodeCalls}, each at most {@code
   * maxCallsPerCredential}.
   */
  public record Limits(
      int maxMessageBytes,
      int maxMetadataBytes,
      int maxConcurrentCalls,
      int maxCallsPerConnection,
      Duration maxCallDuration,
      Duration handshakeTimeout,
      Duration maxConnectionIdle,
      Duration maxConnectionAge,
      Duration maxConnectionAgeGrace,
      int reservedCaAdminCalls,
      int maxNodeCalls,
      int maxCallsPerCredential) {}
}
