package dev.signet.server.profile;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules for names that end up in certificates. Names are checked, never normalised: the name
 * signed must be exactly the name asked for, so {@code Worker-1}, {@code worker-1.} and {@code
 * *.example.com} are errors rather than quietly rewritten.
 */
public final class Names {
  /** One DNS label: lowercase letters and digits, inner hyphens, 1 to 63 characters. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  /**
   * A label that inet_aton-style parsers (glibc, the WHATWG URL host parser) read as a number:
   * decimal, octal (a leading 0) or hexadecimal (0x). {@code 0x7f.0.0.1} is 127.0.0.1 to them.
   */
  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0x[0-9a-f]*");

  private Names() {}

  /**
   * A DNS name as Kubernetes writes node names and service names (an RFC 1123 subdomain): labels of
   * lowercase letters, digits and inner hyphens, joined by single dots, at most 253 characters, no
   * trailing dot, and not an IP address in disguise: no label that an address parser reads as a
   * number in any base, and no A-label ({@code xn--}) that does not decode under IDNA 2008.
   */
  public static boolean isDnsName(String name) {
    if (name.isEmpty() || name.length() > 253 || isIpAddress(name)) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      if (!LABEL.matcher(label).matches()
          || NUMERIC_LABEL.matcher(label).matches()
          || !aLabelDecodes(label)) {
        return false;
      }
    }
    return true;
  }

  /** Labels that are not A-labels pass; an A-label must decode under IDNA 2008. */
  private static boolean aLabelDecodes(String label) {
    return !label.startsWith("xn--") || Idna.isValidALabel(label);
  }

  /** Why {@code name} is not a DNS name, for error messages; call only when it is not. */
  public static String dnsNameProblem(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (isIpAddress(name)) {
      return "it is an IP address, not a DNS name";
    }
    if (name.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
      return "it is all digits and dots, which resolvers read as an address";
    }
    for (String label : name.split("\\.", -1)) {
      if (NUMERIC_LABEL.matcher(label).matches()) {
        return "the label '"
            + label
            + "' is a number (decimal, octal or hex), which address parsers read as part of an"
            + " IP address";
      }
    }
    if (name.length() > 253) {
      return "it is longer than 253 characters";
    }
    if (name.contains("*")) {
      return "wildcards are not issued";
    }
    if (name.endsWith(".")) {
      return "it ends with a dot";
    }
    if (name.contains("..")) {
      return "it has an empty label";
    }
    if (!name.equals(name.toLowerCase(java.util.Locale.ROOT))) {
      return "it has uppercase letters (names are issued exactly as given; use lowercase)";
    }
    for (String label : name.split("\\.", -1)) {
      if (label.length() > 63) {
        return "the label '" + label.substring(0, 10) + "...' is longer than 63 characters";
      }
      if (!LABEL.matcher(label).matches()) {
        return "the label '" + label + "' may only hold a-z, 0-9 and inner hyphens";
      }
      if (!aLabelDecodes(label)) {
        return "the label '"
            + label
            + "' starts with xn-- but is not the punycode of a valid IDNA 2008 label";
      }
    }
    return "it is not a DNS name";
  }

  /**
   * An IPv4 address in dotted-quad form or an IPv6 address; never resolved through DNS. Forms a
   * certificate cannot carry as written are refused rather than rewritten: IPv6 zone ids ({@code
   * fe80::1%eth0}) and IPv4-mapped IPv6 ({@code ::ffff:10.0.0.1}, which would become the IPv4
   * address).
   */
  public static boolean isIpAddress(String text) {
    if (text.contains("%") || !InetAddresses.isInetAddress(text)) {
      return false;
    }
    return text.contains(":") == (InetAddresses.forString(text) instanceof java.net.Inet6Address);
  }

  /**
   * Whether {@code name} is one of {@code names}: IP addresses compare as addresses, so a node
   * registered as {@code 2001:db8::1} may ask for {@code 2001:db8:0:0::1}; DNS names compare
   * exactly (they are lowercase by rule).
   */
  public static boolean isAmong(String name, List<String> names) {
    if (!isIpAddress(name)) {
      return names.contains(name);
    }
    InetAddress address = InetAddresses.forString(name);
    return names.stream()
        .anyMatch(other -> isIpAddress(other) && InetAddresses.forString(other).equals(address));
  }

  /** Parses an IP literal (never a DNS lookup). */
  public static InetAddress ipAddress(String text) {
    if (!isIpAddress(text)) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address");
    }
    return InetAddresses.forString(text);
  }

  /** Kubernetes allows one service network, or two of different families (dual-stack). */
  private static final int MAX_SERVICE_NETWORKS = 2;

  /**
   * The first usable address of each network of a service CIDR list such as {@code 10.96.0.0/12}
   * or, dual-stack, {@code 10.96.0.0/12,fd00:10:96::/112}: 10.96.0.1 is the ClusterIP of the {@code
   * kubernetes} service. Every element is checked, and a dual-stack list must hold one IPv4 and one
   * IPv6 network, as kube-apiserver requires.
   */
  public static List<InetAddress> serviceAddresses(String cidrList) {
    List<String> elements = List.of(cidrList.split(",", -1));
    if (elements.size() > MAX_SERVICE_NETWORKS) {
      throw new IllegalArgumentException(
          "'"
              + cidrList
              + "' holds "
              + elements.size()
              + " networks; at most two (one IPv4 and one IPv6, dual-stack)");
    }
    List<InetAddress> first = elements.stream().map(e -> firstAddressOf(e.trim())).toList();
    if (first.size() == 2 && first.get(0).getClass() == first.get(1).getClass()) {
      throw new IllegalArgumentException(
          "'" + cidrList + "': a dual-stack list needs one IPv4 and one IPv6 network");
    }
    return first;
  }

  /**
   * The first usable address of one CIDR such as {@code 10.96.0.0/12} (10.96.0.1); the network must
   * leave room for at least two hosts and have no host bits set.
   */
  public static InetAddress firstAddressOf(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("'" + cidr + "' is not a CIDR such as 10.96.0.0/12");
    }
    InetAddress network = ipAddress(cidr.substring(0, slash));
    int bits = network.getAddress().length * 8;
    int prefix;
    try {
      prefix = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + cidr + "' has no prefix length after the slash");
    }
    if (prefix < 1 || prefix > bits - 2) {
      throw new IllegalArgumentException(
          "'" + cidr + "': the prefix length must be between 1 and " + (bits - 2));
    }
    BigInteger value = new BigInteger(1, network.getAddress());
    BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
    if (!value.and(hostMask).equals(BigInteger.ZERO)) {
      throw new IllegalArgumentException(
          "'" + cidr + "' has host bits set; did you mean the network address?");
    }
    byte[] first = value.add(BigInteger.ONE).toByteArray();
    byte[] address = new byte[bits / 8];
    int copy = Math.min(first.length, address.length);
    System.arraycopy(first, first.length - copy, address, address.length - copy, copy);
    try {
      return InetAddress.getByAddress(address);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
