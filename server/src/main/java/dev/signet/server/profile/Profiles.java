package dev.signet.server.profile;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a profile and its typed parameters into {@link CertificateContent}. Pure: no I/O, no clock,
 * no randomness, so every rule of {@code kubernetes-profiles.md} can be tested directly.
 */
public final class Profiles {
  private static final String NODE_PREFIX = "system:node:";

  /** RFC 5280's ub-common-name; strict verifiers refuse longer CNs. */
  private static final int MAX_COMMON_NAME = 64;

  /**
   * Names and addresses a caller may add to one certificate (extra SANs, a node's addresses):
   * kubeadm users need a handful, and without a bound a request of 2,500 made a 53 KB certificate.
   */
  public static final int MAX_EXTRA_NAMES = 100;

  private Profiles() {}

  public static CertificateContent content(
      Profile profile, ProfileParameters parameters, ClusterDefaults cluster)
      throws InvalidParametersException {
    SanList sans = new SanList();
    String commonName = profile.fixedCommonName();
    List<String> organizations = profile.organizations();
    String nodeName = "";
    switch (profile) {
      case APISERVER -> {
        var p = expect(parameters, ProfileParameters.Apiserver.class, profile);
        nodeName = nodeName(p.nodeName());
        String dnsDomain = p.dnsDomain().isEmpty() ? cluster.dnsDomain() : p.dnsDomain();
        if (!Names.isDnsName(dnsDomain)) {
          throw invalid("dns_domain", dnsDomain, Names.dnsNameProblem(dnsDomain));
        }
        String serviceCidr = p.serviceCidr().isEmpty() ? cluster.serviceCidr() : p.serviceCidr();
        List<InetAddress> serviceIps;
        try {
          serviceIps = Names.serviceAddresses(serviceCidr);
        } catch (IllegalArgumentException e) {
          throw new InvalidParametersException("service_cidr: " + e.getMessage());
        }
        List<InetAddress> configuredServiceIps = Names.serviceAddresses(cluster.serviceCidr());
        sans.requestedDns(nodeName);
        sans.fixedDns("kubernetes");
        sans.fixedDns("kubernetes.default");
        sans.fixedDns("kubernetes.default.svc");
        String serviceName = "kubernetes.default.svc." + dnsDomain;
        if (dnsDomain.equals(cluster.dnsDomain())) {
          sans.fixedDns(serviceName);
        } else {
          sans.requestedDns(serviceName);
        }
        // kubeadm puts the first network's address in; a dual-stack second one is named only
        for (int i = 0; i < serviceIps.size(); i++) {
          InetAddress serviceIp = serviceIps.get(i);
          boolean configured = configuredServiceIps.contains(serviceIp);
          if (i == 0) {
            sans.ip(serviceIp, !configured);
          } else if (!configured) {
            sans.requestedOnly(serviceIp);
          }
        }
        sans.ip(address("advertise_address", p.advertiseAddress()), true);
        if (!p.controlPlaneEndpoint().isEmpty()) {
          checkEndpoint(p.controlPlaneEndpoint());
          sans.any("control_plane_endpoint", endpointHost(p.controlPlaneEndpoint()));
        }
        sans.extras("extra_sans", p.extraSans());
      }
      case ETCD_SERVER, ETCD_PEER -> {
        var p = expect(parameters, ProfileParameters.EtcdMember.class, profile);
        nodeName = nodeName(p.nodeName());
        commonName = commonName(nodeName, "");
        sans.requestedDns(nodeName);
        sans.fixedDns("localhost");
        sans.ip(address("advertise_address", p.advertiseAddress()), true);
        sans.ip(Names.ipAddress("127.0.0.1"), false);
        sans.ip(Names.ipAddress("::1"), false);
        sans.extras("extra_sans", p.extraSans());
      }
      case KUBELET_CLIENT -> {
        var p = expect(parameters, ProfileParameters.KubeletClient.class, profile);
        nodeName = nodeName(p.nodeName());
        commonName = commonName(nodeName, NODE_PREFIX);
      }
      case KUBELET_SERVING -> {
        var p = expect(parameters, ProfileParameters.KubeletServing.class, profile);
        nodeName = nodeName(p.nodeName());
        commonName = commonName(nodeName, NODE_PREFIX);
        if (p.addresses().isEmpty()) {
          throw new InvalidParametersException(
              "addresses: at least one DNS name or IP address of the node is required");
        }
        sans.extras("addresses", p.addresses());
      }
      case SIGNET_API_SERVER -> {
        var p = expect(parameters, ProfileParameters.SignetServer.class, profile);
        if (p.names().isEmpty()) {
          throw new InvalidParametersException("serverNames: at least one name is required");
        }
        sans.extras("serverNames", p.names());
      }
      case SIGNET_API_CLIENT -> {
        var p = expect(parameters, ProfileParameters.SignetClient.class, profile);
        commonName = identity(p.identity());
        organizations = List.of(identity(p.organization()));
        if (commonName.startsWith(NODE_PREFIX)) {
          nodeName = commonName.substring(NODE_PREFIX.length());
        }
      }
      default -> expect(parameters, ProfileParameters.None.class, profile);
    }
    return new CertificateContent(
        profile,
        commonName,
        organizations,
        new ArrayList<>(sans.dnsNames),
        new ArrayList<>(sans.ipAddresses),
        profile.usage().extendedKeyUsages(),
        nodeName,
        sans.requestedNames());
  }

  private static <T extends ProfileParameters> T expect(
      ProfileParameters parameters, Class<T> type, Profile profile) {
    if (!type.isInstance(parameters)) {
      // A wiring mistake in Signet, not a caller's error: each RPC builds its own parameters.
      throw new IllegalArgumentException(
          profile.id() + " takes " + type.getSimpleName() + " parameters, not " + parameters);
    }
    return type.cast(parameters);
  }

  private static String nodeName(String name) throws InvalidParametersException {
    if (name.isEmpty()) {
      throw new InvalidParametersException("node_name is required");
    }
    if (!Names.isDnsName(name)) {
      throw invalid(
          "node_name",
          name,
          Names.dnsNameProblem(name) + "; a node name is a DNS-1123 subdomain such as worker-1");
    }
    return name;
  }

  /** A CN made of a node name, within the bound every X.509 verifier accepts. */
  private static String commonName(String nodeName, String prefix)
      throws InvalidParametersException {
    if (prefix.length() + nodeName.length() > MAX_COMMON_NAME) {
      throw new InvalidParametersException(
          "node_name is "
              + nodeName.length()
              + " characters; this certificate's CN ("
              + prefix
              + "<node name>) may hold at most "
              + MAX_COMMON_NAME
              + " (RFC 5280), so the node name may have at most "
              + (MAX_COMMON_NAME - prefix.length()));
    }
    return prefix + nodeName;
  }

  private static InetAddress address(String field, String text) throws InvalidParametersException {
    if (text.isEmpty()) {
      throw new InvalidParametersException(field + " is required (an IPv4 or IPv6 address)");
    }
    if (!Names.isIpAddress(text)) {
      throw invalid(field, text, "it is not an IP address");
    }
    return Names.ipAddress(text);
  }

  /**
   * The host part of {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6 address.
   * Lenient: {@link #checkEndpoint} says whether the whole endpoint is well formed.
   */
  static String endpointHost(String endpoint) {
    if (endpoint.startsWith("[")) {
      int close = endpoint.indexOf(']');
      return close < 0 ? endpoint : endpoint.substring(1, close);
    }
    if (Names.isIpAddress(endpoint)) {
      return endpoint;
    }
    int colon = endpoint.lastIndexOf(':');
    return colon < 0 ? endpoint : endpoint.substring(0, colon);
  }

  /** Requires HOST, HOST:PORT or [IPv6]:PORT with a port from 1 to 65535. */
  private static void checkEndpoint(String endpoint) throws InvalidParametersException {
    String rest;
    if (endpoint.startsWith("[")) {
      int close = endpoint.indexOf(']');
      if (close < 0) {
        throw invalid("control_plane_endpoint", endpoint, "the '[' has no matching ']'");
      }
      rest = endpoint.substring(close + 1);
    } else if (Names.isIpAddress(endpoint) || endpoint.lastIndexOf(':') < 0) {
      rest = "";
    } else {
      rest = endpoint.substring(endpoint.lastIndexOf(':'));
    }
    if (rest.isEmpty()) {
      return;
    }
    if (rest.matches(":[0-9]{1,5}")) {
      int port = Integer.parseInt(rest.substring(1));
      if (port >= 1 && port <= 65535) {
        return;
      }
    }
    throw invalid(
        "control_plane_endpoint", endpoint, "expected HOST or HOST:PORT with a port 1-65535");
  }

  /** A CN or O of a Signet API credential: printable, short, no DN syntax tricks needed. */
  private static String identity(String value) throws InvalidParametersException {
    if (value.isEmpty() || value.length() > 64 || !value.matches("[A-Za-z0-9][A-Za-z0-9._:@-]*")) {
      throw invalid(
          "identity",
          value,
          "use 1 to 64 characters from A-Z a-z 0-9 . _ : @ - starting with a letter or digit");
    }
    return value;
  }

  private static InvalidParametersException invalid(String field, String value, String why) {
    return new InvalidParametersException(
        field + " '" + printable(value) + "' is not allowed: " + why);
  }

  /** Caller input echoed in messages, with control characters made visible and length bounded. */
  private static String printable(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : c);
      if (out.length() > 80) {
        return out.append("...").toString();
      }
    }
    return out.toString();
  }

  /**
   * Subject alternative names in the order given, duplicates dropped, and which of them the request
   * brought in.
   */
  private static final class SanList {
    final Set<String> dnsNames = new LinkedHashSet<>();
    final Set<InetAddress> ipAddresses = new LinkedHashSet<>();
    private final Set<String> requested = new LinkedHashSet<>();
    private final Set<String> fixed = new LinkedHashSet<>();

    /** A name every certificate of the profile (or this daemon's cluster) carries. */
    void fixedDns(String name) {
      dnsNames.add(name);
      fixed.add(name);
    }

    /** A name the request brought in. */
    void requestedDns(String name) {
      dnsNames.add(name);
      requested.add(name);
    }

    void ip(InetAddress address, boolean fromRequest) {
      ipAddresses.add(address);
      (fromRequest ? requested : fixed).add(InetAddresses.toAddrString(address));
    }

    /** What the request brought in beyond what the certificate carries anyway. */
    List<String> requestedNames() {
      List<String> names = new ArrayList<>(requested);
      names.removeAll(fixed);
      return names;
    }

    /** An address the request names that does not go into the certificate. */
    void requestedOnly(InetAddress address) {
      requested.add(InetAddresses.toAddrString(address));
    }

    /** A DNS name or an IP address, as the caller wrote it. */
    void any(String field, String value) throws InvalidParametersException {
      if (Names.isIpAddress(value)) {
        ip(Names.ipAddress(value), true);
      } else if (Names.isDnsName(value)) {
        requestedDns(value);
      } else {
        throw invalid(field, value, Names.dnsNameProblem(value));
      }
    }

    /** The caller's own list of names and addresses, bounded. */
    void extras(String field, List<String> values) throws InvalidParametersException {
      if (values.size() > MAX_EXTRA_NAMES) {
        throw new InvalidParametersException(
            field
                + " holds "
                + values.size()
                + " names; at most "
                + MAX_EXTRA_NAMES
                + " are accepted in one certificate");
      }
      for (String value : values) {
        any(field, value);
      }
    }
  }
}
