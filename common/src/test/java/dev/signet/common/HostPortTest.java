package dev.signet.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HostPortTest {
  @Test
  void serverAddressesNeedAPortAndBracketIpv6() {
    assertEquals(new HostPort("127.0.0.1", 7443), HostPort.parse("127.0.0.1:7443"));
    assertEquals(new HostPort("::1", 7443), HostPort.parse("[::1]:7443"));
    assertEquals("[::1]:7443", HostPort.parse("[::1]:7443").toString());
    assertEquals(new HostPort("signet.example.com", 443), HostPort.parse("signet.example.com:443"));
    for (String bad :
        new String[] {
          "localhost", "::1:7443", "host:0", "host:70000", ":7443", "[::1]7443", "host:x", ""
        }) {
      IllegalArgumentException refused =
          assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
      assertEquals(
          "'"
              + bad
              + "' is not HOST:PORT (for example 127.0.0.1:7443, signet.example.com:7443 or"
              + " [::1]:7443)",
          refused.getMessage());
    }
  }

  @Test
  void aListenAddressMayAskForAnyFreePort() {
    assertEquals(new HostPort("127.0.0.1", 0), HostPort.parseListen("127.0.0.1:0"));
    assertEquals(new HostPort("::", 7443), HostPort.parseListen("[::]:7443"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parseListen("127.0.0.1"));
    assertThrows(IllegalArgumentException.class, () -> HostPort.parseListen("::1:7443"));
  }

  @Test
  void anEndpointMayLeaveThePortToTheDefault() {
    assertEquals(
        "https://k8s.example.com:6443", HostPort.parse("k8s.example.com", 6443).httpsUrl());
    assertEquals("https://10.0.0.1:443", HostPort.parse("10.0.0.1:443", 6443).httpsUrl());
    assertEquals("https://[::1]:6443", HostPort.parse("::1", 6443).httpsUrl());
    assertEquals("https://[fd00::1]:8443", HostPort.parse("[fd00::1]:8443", 6443).httpsUrl());
    assertEquals("https://[::1]:6443", HostPort.parse("[::1]", 6443).httpsUrl());
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse("k8s:https", 6443));
  }
}
