package dev.signet.server.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the name rules of {@link Names} (reliability catalogue A15-A17): DNS names are RFC 1123
 * subdomains taken exactly as given (no case folding, no trailing dot, no wildcard, no IP in
 * disguise), each refusal comes with a reason that fits it; IP literals are parsed strictly; and
 * the kubernetes service IP is the first address of the service CIDR.
 */
class NamesTest {
  private static final String LABEL_63 = "a".repeat(63);

  @ParameterizedTest
  @ValueSource(
      strings = {
        "worker-1",
        "a",
        "1worker",
        "worker1",
        "0-0",
        "node1.example.com",
        "kubernetes.default.svc.cluster.local",
        "xn--bcher-kva.example",
        "a-b-c.d-e-f"
      })
  void acceptsDnsNames(String name) {
    assertTrue(Names.isDnsName(name), name);
  }

  @Test
  void acceptsALabelOf63Characters() {
    assertTrue(Names.isDnsName(LABEL_63 + ".example"));
  }

  @Test
  void acceptsANameOf253Characters() {
    String name = LABEL_63 + "." + LABEL_63 + "." + LABEL_63 + "." + "b".repeat(61);
    assertEquals(253, name.length());

    assertTrue(Names.isDnsName(name));
  }

  static Stream<Arguments> invalidDnsNames() {
    String name254 = LABEL_63 + "." + LABEL_63 + "." + LABEL_63 + "." + "b".repeat(62);
    return Stream.of(
        Arguments.of("", "empty"),
        Arguments.of("Worker-1", "uppercase"),
        Arguments.of("worker.Example.com", "uppercase"),
        Arguments.of("worker-1.", "ends with a dot"),
        Arguments.of("a..b", "empty label"),
        Arguments.of(".a", "label"),
        Arguments.of("a" + "b".repeat(63) + ".example", "longer than 63"),
        Arguments.of(name254, "longer than 253"),
        Arguments.of("-worker", "may only hold"),
        Arguments.of("worker-", "may only hold"),
        Arguments.of("a.-b.c", "may only hold"),
        Arguments.of("worker_1", "may only hold"),
        Arguments.of("worker 1", "may only hold"),
        Arguments.of("wörker", "may only hold"),
        Arguments.of("worker-1\u0000.evil", "may only hold"),
        Arguments.of("*.example.com", "wildcard"),
        Arguments.of("w*.example.com", "wildcard"),
        Arguments.of("*", "wildcard"),
        Arguments.of("10.0.0.1", "IP address"),
        Arguments.of("::1", "IP address"),
        Arguments.of("fd00::10", "IP address"),
        Arguments.of("123", "all digits and dots"),
        Arguments.of("1.2.3", "all digits and dots"),
        Arguments.of("127.1", "all digits and dots"),
        // inet_aton reads 0x7f.0.0.1 as 127.0.0.1, 0x7f.1 too; URL parsers a name ending in one
        Arguments.of("0x7f.0.0.1", "is a number"),
        Arguments.of("0x7f.1", "is a number"),
        Arguments.of("0x7f000001", "is a number"),
        Arguments.of("api.0x7f", "is a number"),
        Arguments.of("node.0177", "is a number"),
        Arguments.of("worker.10", "is a number"),
        Arguments.of("0x", "is a number"),
        // A-labels that are not the punycode of a valid IDNA 2008 label
        Arguments.of("xn--zz", "xn--"),
        Arguments.of("xn--zz.example", "xn--"),
        Arguments.of("xn--a", "xn--"),
        Arguments.of("www.xn--abc-", "may only hold"),
        Arguments.of("xn--55qx5d-", "may only hold"),
        Arguments.of("xn--ls8h.example", "xn--"),
        Arguments.of("xn--bcher-kva8445foa", "xn--"),
        Arguments.of("xn--1ch.example", "xn--"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "xn--bcher-kva.example",
        "xn--55qx5d.cn",
        "xn--mnchen-3ya.de",
        "xn--tda",
        "x0.example"
      })
  void acceptsALabelsThatDecodeAndLabelsThatOnlyStartWithDigits(String name) {
    assertTrue(Names.isDnsName(name), name);
  }

  @ParameterizedTest
  @MethodSource("invalidDnsNames")
  void refusesInvalidDnsNamesWithAFittingReason(String name, String reason) {
    assertFalse(Names.isDnsName(name), name);
    String problem = Names.dnsNameProblem(name);
    assertTrue(problem.contains(reason), name + " -> " + problem);
  }

  @Test
  void longLabelReasonQuotesOnlyTheStartOfTheLabel() {
    String label = "x".repeat(200);

    String problem = Names.dnsNameProblem(label + ".example");

    assertTrue(problem.contains("longer than 63"), problem);
    assertTrue(problem.length() < 80, problem);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "::1",
        "::",
        "fd00::1",
        "2001:db8::8a2e:370:7334",
        "FD00::1"
      })
  void acceptsIpLiterals(String text) {
    assertTrue(Names.isIpAddress(text), text);
    assertEquals(jdkParse(text), Names.ipAddress(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.2.3",
        "01.2.3.4",
        "1.2.3.04",
        "010.0.0.1",
        "256.1.1.1",
        "1.2.3.4.5",
        "0x7f.0.0.1",
        "127.1",
        "2130706433",
        "localhost",
        "",
        " 1.2.3.4",
        "1.2.3.4 ",
        "[::1]",
        "::1/128",
        "1:2:3:4:5:6:7:8:9",
        "gggg::1"
      })
  void refusesTextThatIsNotAStrictIpLiteral(String text) {
    // Leading zeros are octal to inet_aton and decimal to others: never an address here.
    assertFalse(Names.isIpAddress(text), text);
    assertThrows(IllegalArgumentException.class, () -> Names.ipAddress(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fe80::1%eth0", "fe80::1%1"})
  void refusesIpv6ZoneIdentifiers(String text) {
    // A zone (RFC 4007) only means something on one host and cannot be put into a certificate;
    // accepting it would sign fe80::1 for a request that said fe80::1%eth0, which is the silent
    // normalisation the class promises never to do.
    // BUG (fails today): Guava's InetAddresses.isInetAddress accepts scope ids, so
    // Names.isIpAddress
    // says yes, and Profiles puts fe80::1 into the IP SANs of e.g. a kubelet-serving certificate
    // (the 16 address bytes; the zone is silently dropped). Same path for tls.serverNames.
    assertFalse(Names.isIpAddress(text), text);
  }

  static Stream<Arguments> cidrs() {
    return Stream.of(
        Arguments.of("10.96.0.0/12", "10.96.0.1"),
        Arguments.of("192.168.0.0/16", "192.168.0.1"),
        Arguments.of("10.100.0.0/24", "10.100.0.1"),
        Arguments.of("172.16.0.0/30", "172.16.0.1"),
        Arguments.of("128.0.0.0/1", "128.0.0.1"),
        Arguments.of("fd00::/108", "fd00::1"),
        Arguments.of("fd00:10:96::/112", "fd00:10:96::1"));
  }

  @ParameterizedTest
  @MethodSource("cidrs")
  void firstAddressOfIsTheNetworkAddressPlusOne(String cidr, String expected) throws Exception {
    assertEquals(InetAddress.getByName(expected), Names.firstAddressOf(cidr));
    assertEquals(List.of(InetAddress.getByName(expected)), Names.serviceAddresses(cidr));
  }

  static Stream<Arguments> dualStack() {
    return Stream.of(
        Arguments.of("10.96.0.0/12,fd00::/108", "10.96.0.1", "fd00::1"),
        Arguments.of("fd00::/108,10.96.0.0/12", "fd00::1", "10.96.0.1"),
        Arguments.of(" 10.96.0.0/12 , fd00::/108", "10.96.0.1", "fd00::1"));
  }

  @ParameterizedTest
  @MethodSource("dualStack")
  void aDualStackListGivesTheFirstAddressOfEachNetwork(String list, String first, String second)
      throws Exception {
    assertEquals(
        List.of(InetAddress.getByName(first), InetAddress.getByName(second)),
        Names.serviceAddresses(list));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.96.0.0/12,10.100.0.0/16",
        "fd00::/108,fd01::/108",
        "10.96.0.0/12,fd00::1/108",
        "10.96.0.0/12,fd00::/108,fd01::/108",
        "10.96.0.0/12,",
        "10.96.0.0/12,garbage",
        ","
      })
  void everyElementOfAServiceCidrListIsChecked(String list) {
    assertThrows(IllegalArgumentException.class, () -> Names.serviceAddresses(list));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.96.0.1/12",
        "192.168.1.0/16",
        "fd00::1/108",
        "0.0.0.0/0",
        "::/0",
        "10.0.0.0/32",
        "10.0.0.0/31",
        "fd00::/127",
        "fd00::/128",
        "10.96.0.0",
        "10.96.0.0/",
        "10.96.0.0/abc",
        "10.96.0.0/12/12",
        "kubernetes/12",
        "/12",
        ""
      })
  void firstAddressOfRefusesWhatIsNotAUsableNetwork(String cidr) {
    assertThrows(IllegalArgumentException.class, () -> Names.firstAddressOf(cidr));
  }

  @Test
  void hostBitsErrorSuggestsTheNetworkAddress() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Names.firstAddressOf("10.96.0.1/12"));

    assertTrue(e.getMessage().contains("host bits"), e.getMessage());
  }

  /** The reference parse for accepted literals: the JDK's, which never resolves a literal. */
  private static InetAddress jdkParse(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
