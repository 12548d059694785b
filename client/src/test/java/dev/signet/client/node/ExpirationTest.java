package dev.signet.client.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kubeadm's table and JSON shapes, from rows. */
class ExpirationTest {
  private static final Instant NOW = Instant.parse("2026-01-02T15:04:05Z");

  private static Expiration.Report report() {
    return new Expiration.Report(
        List.of(
            new Expiration.Row("admin.conf", Instant.parse("2027-01-02T15:04:05Z"), "ca", false),
            new Expiration.Row("apiserver", null, "ca", true),
            new Expiration.Row(
                "etcd-server", Instant.parse("2026-01-01T00:00:00Z"), "etcd-ca", false)),
        List.of(new Expiration.Row("ca", Instant.parse("2035-06-30T15:04:05Z"), "", false)),
        NOW);
  }

  @Test
  void theTableHasKubeadmsColumnsDatesAndMissingRows() {
    assertEquals(
        String.join(
            "\n",
            // as Go's tabwriter in kubeadm: the !MISSING! cell widens the first column too
            "CERTIFICATE           EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY",
            "admin.conf            Jan 02, 2027 15:04 UTC   365d            ca",
            "!MISSING! apiserver",
            "etcd-server           Jan 01, 2026 00:00 UTC   expired         etcd-ca",
            "",
            "CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   KEY",
            "ca                      Jun 30, 2035 15:04 UTC   9y              in signetd's token",
            ""),
        Expiration.table(report()));
  }

  @Test
  void theJsonIsKubeadmsCertificateExpirationInfo() {
    String json = Expiration.json(report());
    assertTrue(
        json.startsWith(
            "{\n  \"kind\": \"CertificateExpirationInfo\",\n  \"apiVersion\": \"output.kubeadm.k8s.io/v1alpha3\""),
        json);
    assertTrue(
        json.contains(
            "\"name\": \"admin.conf\",\n      \"expirationDate\": \"2027-01-02T15:04:05Z\",\n      \"residualTimeSeconds\": 31536000"),
        json);
    assertTrue(
        json.contains(
            "\"name\": \"apiserver\",\n      \"expirationDate\": \"0001-01-01T00:00:00Z\""),
        json);
    assertTrue(json.contains("\"residualTimeSeconds\": -140645"), json);
    assertTrue(json.contains("\"externallyManaged\": true"), "CAs are external: " + json);
  }

  @Test
  void kubeconfigServersFollowTheEndpointForm() {
    assertEquals("https://k8s.example.com:6443", Endpoint.url("k8s.example.com", 6443));
    assertEquals("https://10.0.0.1:443", Endpoint.url("10.0.0.1:443", 6443));
    assertEquals("https://[::1]:6443", Endpoint.url("::1", 6443));
    assertEquals("https://[fd00::1]:8443", Endpoint.url("[fd00::1]:8443", 6443));
    assertEquals("https://[::1]:6443", Endpoint.url("[::1]", 6443));
    assertEquals("https://10.0.0.10:7000", Plan.controlPlaneUrl("", "10.0.0.10", 7000));
  }
}
