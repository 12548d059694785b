package dev.signet.server.config;

import dev.signet.common.Durations;
import dev.signet.common.HostPort;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.SecretSource;
import dev.signet.server.auth.ProvisionerGrant;
import dev.signet.server.auth.Role;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.profile.Names;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.support.LogFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads signetd.yaml into a {@link SignetdConfig}, failing on the first wrong or unknown key with a
 * message that names it. Relative paths are taken from the file's own directory, so that a
 * configuration directory can be moved as a whole.
 */
public final class ConfigLoader {
  /** Lifetimes must be at least this many times the backdate (see {@link #issuance}). */
  static final int MIN_LIFETIME_PER_BACKDATE = 2;

  private ConfigLoader() {}

  public static SignetdConfig load(Path file) throws ConfigException {
    Path absolute = file.toAbsolutePath().normalize();
    Map<String, Object> document = readYaml(absolute);
    ConfigNode root = new ConfigNode("", document, absolute.getParent());

    SignetdConfig.Listen listen = listen(root.string("listen", "127.0.0.1:7443"), "listen");
    SignetdConfig.Tls tls = tls(root.child("tls"));
    SignetdConfig.Hsm hsm = hsm(root.child("hsm"));
    SignetdConfig.Cas cas = cas(root.child("cas"), hsm.token());
    SignetdConfig.Ledger ledger = ledger(root.child("ledger"));
    SignetdConfig.Issuance issuance = issuance(root.child("issuance"));
    SignetdConfig.Cluster cluster = cluster(root.child("cluster"));
    SignetdConfig.Authorization authorization = authorization(root.child("authorization"));
    SignetdConfig.Enrollment enrollment = enrollment(root.child("enrollment"));
    SignetdConfig.Audit audit = audit(root.child("audit"), hsm.token());
    keysApart(cas, audit);
    SignetdConfig.Revocation revocation = revocation(root.child("revocation"));
    SignetdConfig.ServiceAccount serviceAccount =
        serviceAccount(root.child("serviceAccount"), hsm.token());
    SignetdConfig.Limits limits = limits(root.child("limits"), hsm.maxConcurrentSignatures());
    SignetdConfig.Metrics metrics = metrics(root.child("metrics"));
    SignetdConfig.Logging logging = logging(root.child("logging"));
    root.rejectUnknownKeys();
    return new SignetdConfig(
        absolute,
        listen,
        tls,
        hsm,
        cas,
        ledger,
        issuance,
        cluster,
        authorization,
        enrollment,
        audit,
        revocation,
        serviceAccount,
        limits,
        metrics,
        logging);
  }

  private static Map<String, Object> readYaml(Path file) throws ConfigException {
    LoadSettings settings = LoadSettings.builder().setAllowDuplicateKeys(false).build();
    try (InputStream in = Files.newInputStream(file)) {
      Object document = new Load(settings).loadFromInputStream(in);
      if (document == null) {
        return Map.of();
      }
      if (!(document instanceof Map<?, ?> map)) {
        throw new ConfigException(file + " must hold a YAML mapping (key: value lines)");
      }
      Map<String, Object> typed = new java.util.LinkedHashMap<>();
      map.forEach((key, value) -> typed.put(String.valueOf(key), value));
      return typed;
    } catch (NoSuchFileException e) {
      throw new ConfigException("configuration file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + file + ": " + e, e);
    } catch (YamlEngineException e) {
      throw new ConfigException(file + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  private static SignetdConfig.Listen listen(String text, String key) throws ConfigException {
    try {
      HostPort address = HostPort.parseListen(text);
      return new SignetdConfig.Listen(address.host(), address.port());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key + ": " + e.getMessage() + "; port 0 means any free one");
    }
  }

  private static SignetdConfig.Tls tls(ConfigNode node) throws ConfigException {
    SignetdConfig.Tls tls =
        new SignetdConfig.Tls(
            node.path("certificate", "tls/signetd.crt"),
            node.path("key", "tls/signetd.key"),
            node.strings("serverNames").isEmpty()
                ? List.of("localhost", "127.0.0.1", "::1")
                : node.strings("serverNames"),
            node.path("operatorDirectory", "operator"));
    for (String name : tls.serverNames()) {
      if (!Names.isIpAddress(name) && !Names.isDnsName(name)) {
        throw new ConfigException(
            node.keyPath("serverNames")
                + ": '"
                + name
                + "' is neither a DNS name nor an IP address");
      }
    }
    node.rejectUnknownKeys();
    return tls;
  }

  private static SignetdConfig.Hsm hsm(ConfigNode node) throws ConfigException {
    Path library = node.path("library", "/usr/lib/softhsm/libsofthsm2.so");
    Pkcs11Uri token =
        node.parsed("token", Pkcs11Uri::parse).orElse(Pkcs11Uri.parse("pkcs11:token=signet"));
    if (token.object().isPresent()) {
      throw new ConfigException(
          node.keyPath("token") + " names a token, not an object: drop 'object='");
    }
    String pinReference =
        node.requiredString(
            "pin", "where the token's user PIN is read from, file:/path or env:VARIABLE");
    SecretSource pin;
    try {
      pin = SecretSource.parse(pinReference, node.baseDirectory());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(node.keyPath("pin") + " " + e.getMessage());
    }
    int signatures = node.integer("maxConcurrentSignatures", 4, 1, 256);
    java.util.Optional<Path> providerConfig =
        node.optionalString("providerConfig").map(p -> node.baseDirectory().resolve(p).normalize());
    node.rejectUnknownKeys();
    return new SignetdConfig.Hsm(library, token, pin, signatures, providerConfig);
  }

  private static SignetdConfig.Cas cas(ConfigNode node, Pkcs11Uri token) throws ConfigException {
    KeyAlgorithm algorithm =
        node.parsed("algorithm", KeyAlgorithm::parse).orElse(KeyAlgorithm.ECDSA_P256);
    Duration validity =
        node.duration(
            "validity", Duration.ofDays(3650), Duration.ofDays(1), Duration.ofDays(36500));
    Map<TrustDomain, Pkcs11Uri> keys = new EnumMap<>(TrustDomain.class);
    for (TrustDomain domain : TrustDomain.values()) {
      Pkcs11Uri key =
          node.parsed(domain.configKey(), Pkcs11Uri::parse)
              .orElse(token.withObject(domain.defaultKeyLabel()));
      if (key.object().isEmpty()) {
        throw new ConfigException(
            node.keyPath(domain.configKey())
                + " must name the key object, e.g. "
                + token.withObject(domain.defaultKeyLabel()));
      }
      if (!key.sameToken(token)) {
        throw new ConfigException(
            node.keyPath(domain.configKey())
                + " is on another token than hsm.token ("
                + token
                + ")");
      }
      keys.put(domain, key);
    }
    node.rejectUnknownKeys();
    return new SignetdConfig.Cas(algorithm, validity, keys);
  }

  /**
   * The signet-api CA decides who may act on Signet, and the audit key vouches for the audit trail:
   * neither may be a cluster CA's key object, or a cluster certificate (admin.conf) would act on
   * Signet, and a CA signature would pass for a checkpoint. Cluster CAs may share one key.
   */
  private static void keysApart(SignetdConfig.Cas cas, SignetdConfig.Audit audit)
      throws ConfigException {
    String signetApi = cas.key(TrustDomain.SIGNET_API).object().orElseThrow();
    for (TrustDomain domain : TrustDomain.values()) {
      String label = cas.key(domain).object().orElseThrow();
      if (domain != TrustDomain.SIGNET_API && label.equals(signetApi)) {
        throw new ConfigException(
            "cas."
                + TrustDomain.SIGNET_API.configKey()
                + " and cas."
                + domain.configKey()
                + " name the same key object '"
                + label
                + "': the signet-api CA must be a key of its own, or "
                + domain.caCommonName()
                + " certificates would be accepted as Signet API credentials");
      }
      if (label.equals(audit.key().object().orElseThrow())) {
        throw new ConfigException(
            "audit.key and cas."
                + domain.configKey()
                + " name the same key object '"
                + label
                + "': the audit key signs audit checkpoints and nothing else");
      }
    }
  }

  private static SignetdConfig.Ledger ledger(ConfigNode node) throws ConfigException {
    String url = node.string("url", "jdbc:sqlite:ledger.db");
    if (url.startsWith("jdbc:sqlite:")) {
      String file = url.substring("jdbc:sqlite:".length());
      if (file.isEmpty() || file.startsWith(":memory:") || file.contains("mode=memory")) {
        throw new ConfigException(
            node.keyPath("url") + " must name a file: the ledger has to survive restarts");
      }
      url = "jdbc:sqlite:" + node.baseDirectory().resolve(file).normalize();
    } else if (!url.startsWith("jdbc:postgresql:")) {
      throw new ConfigException(
          node.keyPath("url")
              + " must be jdbc:sqlite:FILE (embedded) or jdbc:postgresql://... (replicas)");
    }
    if (url.startsWith("jdbc:postgresql:") && !node.bool("allowUnverifiedTls", false)) {
      requireVerifiedTls(url, node.keyPath("url"));
    }
    var user = node.optionalString("user");
    var password = node.optionalString("password");
    SecretSource passwordSource = null;
    if (password.isPresent()) {
      try {
        passwordSource = SecretSource.parse(password.get(), node.baseDirectory());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(node.keyPath("password") + " " + e.getMessage());
      }
    }
    Duration durabilityCheck =
        node.duration(
            "durabilityCheckInterval",
            SignetdConfig.Ledger.DEFAULT_DURABILITY_CHECK,
            Duration.ofMillis(100),
            Duration.ofDays(1));
    node.rejectUnknownKeys();
    return new SignetdConfig.Ledger(
        url, user, java.util.Optional.ofNullable(passwordSource), durabilityCheck);
  }

  /**
   * Whoever can read or alter the traffic to a PostgreSQL ledger on another host can read the
   * ledger or pose as the database: such a URL must ask for TLS with the server's certificate and
   * name verified ({@code sslmode=verify-full}), unless {@code ledger.allowUnverifiedTls: true}
   * says otherwise explicitly. Loopback and local-socket connections need nothing.
   */
  private static void requireVerifiedTls(String url, String key) throws ConfigException {
    // jdbc:postgresql:DB (this host), or jdbc:postgresql://HOST[:PORT][,HOST[:PORT]...]/DB?K=V&...
    String rest = url.substring("jdbc:postgresql:".length());
    int query = rest.indexOf('?');
    Map<String, String> parameters = new java.util.HashMap<>();
    if (query >= 0) {
      for (String parameter : rest.substring(query + 1).split("&", -1)) {
        int equals = parameter.indexOf('=');
        if (equals > 0) {
          parameters.put(parameter.substring(0, equals), parameter.substring(equals + 1));
        }
      }
      rest = rest.substring(0, query);
    }
    List<String> remote = new ArrayList<>();
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      String hosts = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
      for (String hostAndPort : hosts.split(",", -1)) {
        String host =
            hostAndPort.startsWith("[")
                ? hostAndPort.substring(1, Math.max(1, hostAndPort.indexOf(']')))
                : hostAndPort.replaceFirst(":[0-9]*$", "");
        boolean loopback =
            host.isEmpty()
                || host.equals("localhost")
                || (Names.isIpAddress(host) && Names.ipAddress(host).isLoopbackAddress());
        if (!loopback) {
          remote.add(host);
        }
      }
    }
    if (!remote.isEmpty() && !"verify-full".equals(parameters.get("sslmode"))) {
      throw new ConfigException(
          key
              + " reaches "
              + String.join(", ", remote)
              + " over the network without sslmode=verify-full: add it (with sslrootcert=FILE for"
              + " the database's CA), or set ledger.allowUnverifiedTls: true to accept a server"
              + " that is not verified");
    }
  }

  private static SignetdConfig.Issuance issuance(ConfigNode node) throws ConfigException {
    SignetdConfig.Issuance issuance =
        new SignetdConfig.Issuance(
            node.duration(
                "validity", Duration.ofDays(365), Duration.ofMinutes(1), Duration.ofDays(3650)),
            node.duration("backdate", Duration.ofMinutes(5), Duration.ZERO, Duration.ofHours(1)),
            node.duration(
                "apiCredentialValidity",
                Duration.ofDays(365),
                Duration.ofMinutes(1),
                Duration.ofDays(3650)));
    // NotBefore lies backdate in the past; a certificate whose lifetime is not well beyond that
    // would be due for renewal (at two thirds of its lifetime) as soon as it is issued
    for (String key : List.of("validity", "apiCredentialValidity")) {
      Duration lifetime =
          key.equals("validity") ? issuance.validity() : issuance.apiCredentialValidity();
      if (lifetime.compareTo(issuance.backdate().multipliedBy(MIN_LIFETIME_PER_BACKDATE)) < 0) {
        throw new ConfigException(
            node.keyPath(key)
                + " ("
                + Durations.humanShort(lifetime)
                + ") must be at least "
                + MIN_LIFETIME_PER_BACKDATE
                + " times issuance.backdate ("
                + Durations.humanShort(issuance.backdate())
                + "): certificates would be due for renewal as soon as they are issued");
      }
    }
    node.rejectUnknownKeys();
    return issuance;
  }

  private static SignetdConfig.Cluster cluster(ConfigNode node) throws ConfigException {
    String dnsDomain = node.string("dnsDomain", "cluster.local");
    if (!Names.isDnsName(dnsDomain)) {
      throw new ConfigException(
          node.keyPath("dnsDomain") + ": '" + dnsDomain + "' is not a DNS name");
    }
    String serviceCidr = node.string("serviceCidr", "10.96.0.0/12");
    try {
      Names.serviceAddresses(serviceCidr);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(node.keyPath("serviceCidr") + ": " + e.getMessage());
    }
    node.rejectUnknownKeys();
    return new SignetdConfig.Cluster(dnsDomain, serviceCidr);
  }

  private static SignetdConfig.Authorization authorization(ConfigNode node) throws ConfigException {
    ConfigNode rolesNode = node.child("roles");
    Map<String, Role> roles = new java.util.LinkedHashMap<>();
    for (String organization : rolesNode.keys()) {
      roles.put(
          organization,
          rolesNode
              .parsed(organization, Role::fromId)
              .orElseThrow(
                  () ->
                      new ConfigException(rolesNode.keyPath(organization) + " must name a role")));
    }
    if (roles.isEmpty()) {
      roles.putAll(RoleMapping.DEFAULT.asMap());
    }
    for (Role role : Role.values()) {
      if (!roles.containsValue(role)) {
        throw new ConfigException(
            node.keyPath("roles")
                + " gives no organization the role "
                + role.id()
                + "; Signet issues credentials of every role");
      }
    }
    rolesNode.rejectUnknownKeys();
    ConfigNode provisionersNode = node.child("provisioners");
    Map<String, ProvisionerGrant> provisioners = new java.util.LinkedHashMap<>();
    for (String name : List.copyOf(provisionersNode.keys())) {
      ConfigNode entry = provisionersNode.child(name);
      try {
        provisioners.put(
            name,
            ProvisionerGrant.of(
                name,
                entry.strings("profiles"),
                entry.bool("unconstrained", false),
                entry.strings("nodeNames"),
                entry.strings("addresses"),
                entry.strings("dnsSuffixes")));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(provisionersNode.keyPath(name) + ": " + e.getMessage());
      }
      entry.rejectUnknownKeys();
    }
    provisionersNode.rejectUnknownKeys();
    node.rejectUnknownKeys();
    return new SignetdConfig.Authorization(roles, provisioners);
  }

  private static SignetdConfig.Enrollment enrollment(ConfigNode node) throws ConfigException {
    String listenText = node.string("listen", "127.0.0.1:7444");
    java.util.Optional<SignetdConfig.Listen> listen =
        listenText.equals("off")
            ? java.util.Optional.empty()
            : java.util.Optional.of(listen(listenText, node.keyPath("listen")));
    Duration maxTtl =
        node.duration(
            "maxTokenTtl", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofHours(24));
    Duration defaultTtl =
        node.duration("defaultTokenTtl", Duration.ofHours(1), Duration.ofMinutes(1), maxTtl);
    int maxConcurrentCalls = node.integer("maxConcurrentCalls", 16, 1, 1024);
    int maxCallsPerPeer =
        node.integer("maxCallsPerPeer", Math.min(4, maxConcurrentCalls), 1, maxConcurrentCalls);
    int maxConnections = node.integer("maxConnections", 512, 1, 65536);
    int maxConnectionsPerPeer = node.integer("maxConnectionsPerPeer", 8, 1, maxConnections);
    double callsPerSecond = node.decimal("callsPerSecondPerPeer", 5, 0.01, 10000);
    int burst = node.integer("callBurstPerPeer", 20, 1, 100000);
    Duration refusalInterval =
        node.duration(
            "refusalAuditInterval",
            Duration.ofMinutes(1),
            Duration.ofSeconds(1),
            Duration.ofDays(1));
    node.rejectUnknownKeys();
    return new SignetdConfig.Enrollment(
        listen,
        defaultTtl,
        maxTtl,
        maxConcurrentCalls,
        maxCallsPerPeer,
        maxConnections,
        maxConnectionsPerPeer,
        callsPerSecond,
        burst,
        refusalInterval);
  }

  private static SignetdConfig.Metrics metrics(ConfigNode node) throws ConfigException {
    String listenText = node.string("listen", "off");
    java.util.Optional<SignetdConfig.Listen> listen =
        listenText.equals("off")
            ? java.util.Optional.empty()
            : java.util.Optional.of(listen(listenText, node.keyPath("listen")));
    node.rejectUnknownKeys();
    return new SignetdConfig.Metrics(listen);
  }

  private static SignetdConfig.Logging logging(ConfigNode node) throws ConfigException {
    String format = node.string("format", "text");
    node.rejectUnknownKeys();
    return switch (format) {
      case "text" -> new SignetdConfig.Logging(LogFormat.TEXT);
      case "json" -> new SignetdConfig.Logging(LogFormat.JSON);
      default ->
          throw new ConfigException(
              node.keyPath("format") + " must be text or json, not '" + format + "'");
    };
  }

  private static SignetdConfig.Audit audit(ConfigNode node, Pkcs11Uri token)
      throws ConfigException {
    Pkcs11Uri key = node.parsed("key", Pkcs11Uri::parse).orElse(token.withObject("signet-audit"));
    if (key.object().isEmpty() || !key.sameToken(token)) {
      throw new ConfigException(
          node.keyPath("key")
              + " must name an object on hsm.token, e.g. "
              + token.withObject("signet-audit"));
    }
    Duration interval =
        node.duration(
            "checkpointInterval", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofDays(1));
    node.rejectUnknownKeys();
    return new SignetdConfig.Audit(key, interval);
  }

  private static SignetdConfig.Revocation revocation(ConfigNode node) throws ConfigException {
    Duration refresh =
        node.duration(
            "crlRefreshInterval", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofDays(7));
    Duration validity =
        node.duration(
            "crlValidity", Duration.ofHours(24), Duration.ofSeconds(2), Duration.ofDays(30));
    if (validity.compareTo(refresh) <= 0) {
      throw new ConfigException(
          node.keyPath("crlValidity")
              + " must be longer than crlRefreshInterval, or CRLs expire before renewal");
    }
    node.rejectUnknownKeys();
    return new SignetdConfig.Revocation(refresh, validity);
  }

  /** The JWS algorithms the service-account signer offers, and the key each needs. */
  private static final Map<String, KeyAlgorithm> SERVICE_ACCOUNT_ALGORITHMS =
      Map.of("es256", KeyAlgorithm.ECDSA_P256, "rs256", KeyAlgorithm.RSA_2048);

  private static final Map<String, Set<PosixFilePermission>> SOCKET_MODES =
      Map.of(
          "0600",
          PosixFilePermissions.fromString("rw-------"),
          "0660",
          PosixFilePermissions.fromString("rw-rw----"));

  private static SignetdConfig.ServiceAccount serviceAccount(ConfigNode node, Pkcs11Uri token)
      throws ConfigException {
    Pkcs11Uri key =
        node.parsed("key", Pkcs11Uri::parse).orElse(token.withObject("signet-service-account"));
    if (key.object().isEmpty() || !key.sameToken(token)) {
      throw new ConfigException(
          node.keyPath("key")
              + " must name an object on hsm.token, e.g. "
              + token.withObject("signet-service-account"));
    }
    String algorithmName = node.string("algorithm", "es256").toLowerCase(java.util.Locale.ROOT);
    KeyAlgorithm algorithm = SERVICE_ACCOUNT_ALGORITHMS.get(algorithmName);
    if (algorithm == null) {
      throw new ConfigException(
          node.keyPath("algorithm") + ": '" + algorithmName + "' is neither es256 nor rs256");
    }
    java.util.Optional<Path> socket =
        node.optionalString("socket").map(p -> node.baseDirectory().resolve(p).normalize());
    String modeText = node.string("socketMode", "0600");
    Set<PosixFilePermission> mode = SOCKET_MODES.get(modeText);
    if (mode == null) {
      throw new ConfigException(
          node.keyPath("socketMode")
              + ": '"
              + modeText
              + "' must be \"0600\" (the owner only) or \"0660\" (owner and group): whoever can"
              + " connect can mint service-account tokens");
    }
    java.util.Optional<String> owner = node.optionalString("socketOwner");
    java.util.Optional<String> group = node.optionalString("socketGroup");
    // kube-apiserver refuses a signer whose tokens may live less than 10 minutes, and caps every
    // token at this (extended tokens too).
    Duration maxTokenExpiration =
        node.duration(
            "maxTokenExpiration",
            Duration.ofHours(24),
            Duration.ofMinutes(10),
            Duration.ofDays(365));
    Duration refreshHint =
        node.duration(
            "refreshHint", Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofHours(1));
    int maxSignsPerSecond = node.integer("maxSignsPerSecond", 500, 1, 100_000);
    Duration auditInterval =
        node.duration(
            "auditInterval", Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofHours(1));
    List<Path> legacy =
        node.strings("legacyPublicKeys").stream()
            .map(p -> node.baseDirectory().resolve(p).normalize())
            .toList();
    node.rejectUnknownKeys();
    return new SignetdConfig.ServiceAccount(
        key,
        algorithm,
        socket,
        mode,
        owner,
        group,
        maxTokenExpiration,
        refreshHint,
        maxSignsPerSecond,
        auditInterval,
        legacy);
  }

  /**
   * The gRPC limits. Node and auditor credentials share by default four calls in flight per
   * signature the token makes at once: what the token can sign soon, rather than a queue in front
   * of it that only ends in deadlines.
   */
  private static SignetdConfig.Limits limits(ConfigNode node, int concurrentSignatures)
      throws ConfigException {
    int maxMessageBytes = node.integer("maxMessageBytes", 64 * 1024, 16 * 1024, 4 * 1024 * 1024);
    int maxMetadataBytes = node.integer("maxMetadataBytes", 8 * 1024, 1024, 64 * 1024);
    int maxConcurrentCalls = node.integer("maxConcurrentCalls", 64, 2, 4096);
    int maxCallsPerConnection = node.integer("maxCallsPerConnection", 32, 1, 1024);
    Duration maxCallDuration =
        node.duration(
            "maxCallDuration",
            Duration.ofSeconds(30),
            Duration.ofSeconds(1),
            Duration.ofMinutes(10));
    Duration handshakeTimeout =
        node.duration(
            "handshakeTimeout",
            Duration.ofSeconds(10),
            Duration.ofSeconds(1),
            Duration.ofMinutes(2));
    Duration maxConnectionIdle =
        node.duration(
            "maxConnectionIdle",
            Duration.ofMinutes(5),
            Duration.ofSeconds(10),
            Duration.ofHours(24));
    Duration maxConnectionAge =
        node.duration(
            "maxConnectionAge", Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofDays(7));
    Duration maxConnectionAgeGrace =
        node.duration("maxConnectionAgeGrace", maxCallDuration, Duration.ZERO, Duration.ofHours(1));
    int reserved =
        node.integer(
            "reservedCaAdminCalls", Math.max(1, maxConcurrentCalls / 8), 1, maxConcurrentCalls - 1);
    int maxNodeCalls =
        node.integer(
            "maxNodeCalls",
            Math.min(4 * concurrentSignatures, maxConcurrentCalls - reserved),
            1,
            maxConcurrentCalls - reserved);
    int maxCallsPerCredential =
        node.integer("maxCallsPerCredential", Math.min(2, maxNodeCalls), 1, maxNodeCalls);
    node.rejectUnknownKeys();
    return new SignetdConfig.Limits(
        maxMessageBytes,
        maxMetadataBytes,
        maxConcurrentCalls,
        maxCallsPerConnection,
        maxCallDuration,
        handshakeTimeout,
        maxConnectionIdle,
        maxConnectionAge,
        maxConnectionAgeGrace,
        reserved,
        maxNodeCalls,
        maxCallsPerCredential);
  }
}
