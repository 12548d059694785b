package dev.signet.server.auth;

import dev.signet.server.profile.Names;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one provisioner credential may ask for, from its entry in {@code authorization.provisioners}
 * (keyed by the credential's CN): the profiles it is granted, and the node names, IP addresses and
 * DNS names its certificates may carry. Closed by default: a provisioner without an entry gets
 * nothing, a profile not granted is refused, and a dimension left empty admits nothing (no node
 * name, no address, no DNS name).
 *
 * <ul>
 *   <li>{@code profiles}: profile ids, or {@code "*"} for every profile that is not {@link
 *       Profile#highValue() high-value}. High-value profiles (cluster-admin by another door, or raw
 *       etcd) are granted only by naming them.
 *   <li>{@code nodeNames}: glob patterns; {@code *} is any run and {@code ?} any one character, but
 *       neither ever matches a dot, so {@code cp-*} does not match {@code cp-1.bank.example}.
 *   <li>{@code addresses}: CIDRs every IP address must fall into.
 *   <li>{@code dnsSuffixes}: every DNS name must be a suffix or end with "." and a suffix.
 *   <li>{@code unconstrained: true}: no name, address or DNS constraint, and every profile that is
 *       not high-value (high-value ones still only by name). signetd warns about it in its log and
 *       audit trail at every start.
 * </ul>
 */
public final class ProvisionerGrant {
  /** In {@code profiles}: every profile that is not high-value. */
  public static final String STANDARD_PROFILES = "*";

  private final String name;
  private final Set<Profile> named;
  private final boolean standard;
  private final boolean unconstrained;
  private final List<String> nodeNamePatterns;
  private final List<Pattern> nodeNames;
  private final List<Cidr> addresses;
  private final List<String> dnsSuffixes;

  private ProvisionerGrant(
      String name,
      Set<Profile> named,
      boolean standard,
      boolean unconstrained,
      List<String> nodeNamePatterns,
      List<Cidr> addresses,
      List<String> dnsSuffixes) {
    this.name = name;
    this.named = Set.copyOf(named);
    this.standard = standard;
    this.unconstrained = unconstrained;
    this.nodeNamePatterns = List.copyOf(nodeNamePatterns);
    this.nodeNames = nodeNamePatterns.stream().map(ProvisionerGrant::glob).toList();
    this.addresses = List.copyOf(addresses);
    this.dnsSuffixes = List.copyOf(dnsSuffixes);
  }

  /**
   * The grant of provisioner {@code name}, validated.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static ProvisionerGrant of(
      String name,
      List<String> profiles,
      boolean unconstrained,
      List<String> nodeNamePatterns,
      List<String> addressRanges,
      List<String> dnsSuffixes) {
    Set<Profile> named = EnumSet.noneOf(Profile.class);
    boolean standard = false;
    for (String id : profiles) {
      if (id.equals(STANDARD_PROFILES)) {
        standard = true;
        continue;
      }
      Profile profile = grantable(id);
      named.add(profile);
    }
    if (unconstrained
        && !(nodeNamePatterns.isEmpty() && addressRanges.isEmpty() && dnsSuffixes.isEmpty())) {
      throw new IllegalArgumentException(
          "unconstrained: true contradicts nodeNames, addresses and dnsSuffixes; keep one or the"
              + " other");
    }
    if (!unconstrained && named.isEmpty() && !standard) {
      throw new IllegalArgumentException(
          "grants no profile: list the profiles it may request under 'profiles' (or remove the"
              + " entry: a provisioner without one gets nothing)");
    }
    for (String pattern : nodeNamePatterns) {
      if (!pattern.matches("[a-z0-9.?*-]+")) {
        throw new IllegalArgumentException(
            "nodeNames: '" + pattern + "' may hold only a-z, 0-9, '.', '-' and the wildcards * ?");
      }
    }
    List<String> suffixes =
        dnsSuffixes.stream().map(s -> s.startsWith(".") ? s.substring(1) : s).toList();
    for (String suffix : suffixes) {
      if (!Names.isDnsName(suffix)) {
        throw new IllegalArgumentException(
            "dnsSuffixes: '" + suffix + "' is not a DNS name: " + Names.dnsNameProblem(suffix));
      }
    }
    return new ProvisionerGrant(
        name,
        named,
        standard,
        unconstrained,
        nodeNamePatterns,
        addressRanges.stream().map(Cidr::parse).toList(),
        suffixes);
  }

  private static Profile grantable(String id) {
    Profile profile;
    try {
      profile = Profile.fromId(id);
    } catch (IllegalArgumentException e) {
      profile = null;
    }
    if (profile == null || profile.trustDomain() == TrustDomain.SIGNET_API) {
      throw new IllegalArgumentException(
          "profiles: '"
              + id
              + "' is not a certificate profile; use "
              + STANDARD_PROFILES
              + " or one of "
              + Arrays.stream(Profile.values())
                  .filter(p -> p.trustDomain() != TrustDomain.SIGNET_API)
                  .map(Profile::id)
                  .toList());
    }
    return profile;
  }

  public boolean unconstrained() {
    return unconstrained;
  }

  /** Why {@code profile} is not granted, if it is not. */
  public Optional<String> profileProblem(Profile profile) {
    boolean byWildcard =
        (standard || unconstrained)
            && !profile.highValue()
            && profile.trustDomain() != TrustDomain.SIGNET_API;
    if (named.contains(profile) || byWildcard) {
      return Optional.empty();
    }
    String granted =
        unconstrained || standard
            ? "every profile that is not high-value"
                + (named.isEmpty() ? "" : ", and " + ids(named))
            : ids(named);
    return Optional.of(
        "authorization.provisioners."
            + name
            + " does not grant "
            + profile.id()
            + " (it grants "
            + granted
            + ")"
            + (profile.highValue()
                ? "; " + profile.id() + " is high-value and is granted only by naming it"
                : ""));
  }

  /** Why {@code nodeName} is outside this grant, if it is. */
  public Optional<String> nodeNameProblem(String nodeName) {
    if (unconstrained || nodeNames.stream().anyMatch(p -> p.matcher(nodeName).matches())) {
      return Optional.empty();
    }
    return Optional.of(
        nodeNames.isEmpty()
            ? "authorization.provisioners." + name + " names no nodeNames, so no node"
            : "node name " + nodeName + " matches none of " + nodeNamePatterns);
  }

  /** Why {@code value} (a DNS name or an IP address that ends up in a certificate) is outside. */
  public Optional<String> nameProblem(String value) {
    if (unconstrained) {
      return Optional.empty();
    }
    if (Names.isIpAddress(value)) {
      InetAddress address = Names.ipAddress(value);
      if (addresses.stream().anyMatch(c -> c.contains(address))) {
        return Optional.empty();
      }
      return Optional.of(
          addresses.isEmpty()
              ? "address "
                  + value
                  + ": authorization.provisioners."
                  + name
                  + " names no addresses, so no IP address"
              : "address " + value + " is in none of " + addresses);
    }
    if (dnsSuffixes.stream().anyMatch(s -> value.equals(s) || value.endsWith("." + s))) {
      return Optional.empty();
    }
    return Optional.of(
        dnsSuffixes.isEmpty()
            ? "DNS name "
                + value
                + ": authorization.provisioners."
                + name
                + " names no dnsSuffixes, so no DNS name"
            : "DNS name " + value + " is under none of " + dnsSuffixes);
  }

  private static String ids(Set<Profile> profiles) {
    return profiles.stream().sorted().map(Profile::id).toList().toString();
  }

  /** {@code *} and {@code ?} within one label: a wildcard never matches a dot. */
  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> regex.append("[^.]*");
        case '?' -> regex.append("[^.]");
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }

  /** An address range such as {@code 10.0.0.0/8} or {@code fd00::/64}. */
  record Cidr(BigInteger network, int prefix, int bits, String text) {
    static Cidr parse(String text) {
      int slash = text.indexOf('/');
      if (slash < 0) {
        throw new IllegalArgumentException("'" + text + "' is not a CIDR such as 10.0.0.0/8");
      }
      InetAddress address = Names.ipAddress(text.substring(0, slash));
      int bits = address.getAddress().length * 8;
      int prefix;
      try {
        prefix = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "' has no prefix length");
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + text + "': prefix length out of range");
      }
      return new Cidr(
          new BigInteger(1, address.getAddress()).shiftRight(bits - prefix), prefix, bits, text);
    }

    boolean contains(InetAddress address) {
      byte[] bytes = address.getAddress();
      return bytes.length * 8 == bits
          && new BigInteger(1, bytes).shiftRight(bits - prefix).equals(network);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
