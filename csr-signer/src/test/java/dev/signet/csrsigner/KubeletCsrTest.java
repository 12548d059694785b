package dev.signet.csrsigner;

import static dev.signet.csrsigner.KubeletCsr.KUBELET_CLIENT;
import static dev.signet.csrsigner.KubeletCsr.KUBELET_SERVING;
import static dev.signet.csrsigner.KubeletCsrs.CLIENT_USAGES;
import static dev.signet.csrsigner.KubeletCsrs.SERVING_USAGES;
import static dev.signet.csrsigner.KubeletCsrs.pem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.client.rpc.Profile;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** kube-controller-manager's kubelet CSR rules, each broken once, with its message. */
class KubeletCsrTest {
  private static final List<String> NODES = List.of("system:nodes");

  private static String refusal(String signer, byte[] pem, List<String> usages) {
    return assertThrows(KubeletCsr.Invalid.class, () -> KubeletCsr.validate(signer, pem, usages))
        .getMessage();
  }

  @Test
  void aServingCsrBecomesTheNodeAndItsAddresses() throws Exception {
    KubeletCsr.Request request =
        KubeletCsr.validate(
            KUBELET_SERVING,
            pem("system:node:worker-1", NODES, "dns:worker-1", "ip:10.0.0.21", "ip:2001:db8::1"),
            SERVING_USAGES);
    assertEquals(Profile.KUBELET_SERVING, request.profile());
    assertEquals("worker-1", request.nodeName());
    assertEquals(List.of("worker-1", "10.0.0.21", "2001:db8:0:0:0:0:0:1"), request.addresses());
    // without key encipherment too (ECDSA keys)
    KubeletCsr.validate(
        KUBELET_SERVING,
        pem("system:node:worker-1", NODES, "ip:10.0.0.21"),
        List.of("server auth", "digital signature"));
  }

  @Test
  void servingRulesInKubeControllerManagersOrder() throws Exception {
    assertEquals(
        "subject organization is not system:nodes",
        refusal(KUBELET_SERVING, pem("system:node:a", List.of("x"), "dns:a"), SERVING_USAGES));
    assertEquals(
        "subject organization is not system:nodes",
        refusal(
            KUBELET_SERVING,
            pem("system:node:a", List.of("system:nodes", "system:masters"), "dns:a"),
            SERVING_USAGES));
    assertEquals(
        "DNS or IP subjectAltName is required",
        refusal(KUBELET_SERVING, pem("system:node:a", NODES), SERVING_USAGES));
    assertEquals(
        "Email subjectAltNames are not allowed",
        refusal(
            KUBELET_SERVING, pem("system:node:a", NODES, "dns:a", "email:a@b.c"), SERVING_USAGES));
    assertEquals(
        "URI subjectAltNames are not allowed",
        refusal(
            KUBELET_SERVING,
            pem("system:node:a", NODES, "dns:a", "uri:spiffe://x/y"),
            SERVING_USAGES));
    assertEquals(
        "usages did not match [digital signature key encipherment server auth]",
        refusal(
            KUBELET_SERVING,
            pem("system:node:a", NODES, "dns:a"),
            List.of("digital signature", "server auth", "client auth")));
    assertEquals(
        "subject common name does not begin with system:node:",
        refusal(KUBELET_SERVING, pem("worker-1", NODES, "dns:a"), SERVING_USAGES));
  }

  @Test
  void clientRulesInKubeControllerManagersOrder() throws Exception {
    assertEquals(
        "worker-1",
        KubeletCsr.validate(KUBELET_CLIENT, pem("system:node:worker-1", NODES), CLIENT_USAGES)
            .nodeName());
    assertEquals(
        "subject organization is not system:nodes",
        refusal(KUBELET_CLIENT, pem("system:node:a", List.of()), CLIENT_USAGES));
    assertEquals(
        "DNS subjectAltNames are not allowed",
        refusal(KUBELET_CLIENT, pem("system:node:a", NODES, "dns:a"), CLIENT_USAGES));
    assertEquals(
        "Email subjectAltNames are not allowed",
        refusal(KUBELET_CLIENT, pem("system:node:a", NODES, "email:a@b.c"), CLIENT_USAGES));
    assertEquals(
        "IP subjectAltNames are not allowed",
        refusal(KUBELET_CLIENT, pem("system:node:a", NODES, "ip:10.0.0.1"), CLIENT_USAGES));
    assertEquals(
        "URI subjectAltNames are not allowed",
        refusal(KUBELET_CLIENT, pem("system:node:a", NODES, "uri:https://x"), CLIENT_USAGES));
    assertEquals(
        "subject common name does not begin with system:node:",
        refusal(KUBELET_CLIENT, pem("system:nodes:a", NODES), CLIENT_USAGES));
    assertEquals(
        "usages did not match [client auth digital signature key encipherment]",
        refusal(KUBELET_CLIENT, pem("system:node:a", NODES), List.of("client auth")));
  }

  @Test
  void notACertificateRequestIsUnparsableNotInvalid() {
    assertThrows(
        KubeletCsr.Unparsable.class,
        () ->
            KubeletCsr.validate(
                KUBELET_CLIENT,
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
                    .getBytes(StandardCharsets.US_ASCII),
                CLIENT_USAGES));
  }

  @Test
  void lifetimeAsKubeControllerManagerComputesIt() {
    CsrSigner unbounded = new CsrSigner(null, null, Set.of(), Optional.empty(), Clock.systemUTC());
    assertEquals(Duration.ZERO, unbounded.duration(null), "none asked: signetd's validity");
    assertEquals(Duration.ofMinutes(10), unbounded.duration(300), "10 minutes at least");
    assertEquals(Duration.ofHours(2), unbounded.duration(7200));
    CsrSigner bounded =
        new CsrSigner(null, null, Set.of(), Optional.of(Duration.ofHours(1)), Clock.systemUTC());
    assertEquals(Duration.ofHours(1), bounded.duration(null));
    assertEquals(Duration.ofHours(1), bounded.duration(7200), "at most --max-duration");
  }
}
