package dev.signet.server.config;

import dev.signet.common.HostPort;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.SecretSource;
import dev.signet.server.auth.ProvisionerConstraints;
import dev.signet.server.auth.Role;
import dev.signet.server.auth.RoleMapping;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.profile.Names;
import dev.signet.server.profile.TrustDomain;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads signetd.yaml into a {@link SignetdConfig}, failing on the first wrong or unknown key with a
 * message that names it. Relative paths are taken from the file's own directory, so that a
 * configuration directory can be moved as a whole.
 */
public final class ConfigLoader {
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
    SignetdConfig.Revocation revocation = revocation(root.child("revocation"));
    SignetdConfig.Limits limits = limits(root.child("limits"));
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
        limits);
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
      Names.firstAddressOf(serviceCidr);
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
    Map<String, ProvisionerConstraints> provisioners = new java.util.LinkedHashMap<>();
    for (String name : List.copyOf(provisionersNode.keys())) {
      ConfigNode constraints = provisionersNode.child(name);
      try {
        provisioners.put(
            name,
            new ProvisionerConstraints(
                constraints.strings("nodeNames"),
                constraints.strings("addresses"),
                constraints.strings("dnsSuffixes")));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(provisionersNode.keyPath(name) + ": " + e.getMessage());
      }
      constraints.rejectUnknownKeys();
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
    node.rejectUnknownKeys();
    return new SignetdConfig.Enrollment(listen, defaultTtl, maxTtl, maxConcurrentCalls);
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

  private static SignetdConfig.Limits limits(ConfigNode node) throws ConfigException {
    SignetdConfig.Limits limits =
        new SignetdConfig.Limits(
            node.integer("maxMessageBytes", 64 * 1024, 16 * 1024, 4 * 1024 * 1024),
            node.integer("maxMetadataBytes", 8 * 1024, 1024, 64 * 1024),
            node.integer("maxConcurrentCalls", 64, 1, 4096),
            node.integer("maxCallsPerConnection", 32, 1, 1024),
            node.duration(
                "maxCallDuration",
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10)),
            node.duration(
                "handshakeTimeout",
                Duration.ofSeconds(10),
                Duration.ofSeconds(1),
                Duration.ofMinutes(2)),
            node.duration(
                "maxConnectionIdle",
                Duration.ofMinutes(5),
                Duration.ofSeconds(10),
                Duration.ofHours(24)));
    node.rejectUnknownKeys();
    return limits;
  }
}
