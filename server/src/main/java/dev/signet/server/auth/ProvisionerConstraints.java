package dev.signet.server.auth;

import dev.signet.server.profile.Names;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What one provisioner may ask for: node names matching one of its patterns ({@code *} any run of
 * characters, {@code ?} one), IP addresses inside one of its CIDRs, DNS names under one of its
 * suffixes. An empty list leaves that dimension open; configure all three to confine a provisioner
 * fully.
 */
public final class ProvisionerConstraints {
  /** No constraint at all: a provisioner without an entry in the configuration. */
  public static final ProvisionerConstraints NONE =
      new ProvisionerConstraints(List.of(), List.of(), List.of());

  private final List<String> nodeNamePatterns;
  private final List<Pattern> nodeNames;
  private final List<Cidr> addresses;
  private final List<String> dnsSuffixes;

  public ProvisionerConstraints(
      List<String> nodeNamePatterns, List<String> addressRanges, List<String> dnsSuffixes) {
    this.nodeNamePatterns = List.copyOf(nodeNamePatterns);
    this.nodeNames = nodeNamePatterns.stream().map(ProvisionerConstraints::glob).toList();
    this.addresses = addressRanges.stream().map(Cidr::parse).toList();
    this.dnsSuffixes =
        dnsSuffixes.stream().map(s -> s.startsWith(".") ? s.substring(1) : s).toList();
  }

  /** Why {@code nodeName} is outside these constraints, if it is. */
  public Optional<String> nodeNameProblem(String nodeName) {
    if (nodeNames.isEmpty() || nodeNames.stream().anyMatch(p -> p.matcher(nodeName).matches())) {
      return Optional.empty();
    }
    return Optional.of("node name " + nodeName + " matches none of " + nodeNamePatterns);
  }

  /** Why {@code name} (a DNS name or an IP address the caller chose) is outside, if it is. */
  public Optional<String> nameProblem(String name) {
    if (Names.isIpAddress(name)) {
      InetAddress address = Names.ipAddress(name);
      if (addresses.isEmpty() || addresses.stream().anyMatch(c -> c.contains(address))) {
        return Optional.empty();
      }
      return Optional.of("address " + name + " is in none of " + addresses);
    }
    if (dnsSuffixes.isEmpty()
        || dnsSuffixes.stream().anyMatch(s -> name.equals(s) || name.endsWith("." + s))) {
      return Optional.empty();
    }
    return Optional.of("DNS name " + name + " is under none of " + dnsSuffixes);
  }

  private static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
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
