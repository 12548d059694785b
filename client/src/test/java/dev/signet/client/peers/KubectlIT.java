package dev.signet.client.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.files.Certificates;
import dev.signet.client.testing.Cli;
import dev.signet.client.testing.Tools;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kubectl reads every kubeconfig signet writes, and the client certificate it finds there verifies
 * against the kubernetes CA under {@code openssl verify}. Every server is loopback, and {@code
 * kubectl config view} contacts none of them.
 */
class KubectlIT {
  @TempDir static Path temp;
  static TestDaemon daemon;
  static Path kubectl;

  @BeforeAll
  static void writeKubeconfigs() throws Exception {
    kubectl = Tools.kubectl();
    daemon = TestDaemon.start("kubectl", new DaemonConfig());
    run(
        "control-plane",
        "--node",
        "cp-k",
        "--advertise-address",
        "127.0.0.1",
        "--control-plane-endpoint",
        "127.0.0.1:6443",
        "--out",
        temp.resolve("cp").toString());
    run(
        "kubelet",
        "--node",
        "worker-1",
        "--address",
        "127.0.0.1,::1",
        "--control-plane-endpoint",
        "[::1]:6443",
        "--out",
        temp.resolve("worker").toString());
    run(
        "kubelet",
        "--node",
        "worker-2",
        "--address",
        "127.0.0.1",
        "--control-plane-endpoint",
        "127.0.0.1",
        "--layout",
        "flat",
        "--out",
        temp.resolve("worker-flat").toString());
    run(
        "kube-proxy",
        "--control-plane-endpoint",
        "127.0.0.1:6443",
        "--out",
        temp.resolve("proxy").toString());
    run(
        "admin",
        "--control-plane-endpoint",
        "[::1]",
        "--out",
        temp.resolve("home/.kube/config").toString());
    run(
        "admin",
        "--super-admin",
        "--key-algorithm",
        "rsa-3072",
        "--control-plane-endpoint",
        "127.0.0.1:6443",
        "--out",
        temp.resolve("break-glass/super-admin.conf").toString());
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  static Stream<Arguments> kubeconfigs() {
    return Stream.of(
        Arguments.of("cp/admin.conf", "kubernetes-admin", "https://127.0.0.1:6443"),
        Arguments.of("cp/super-admin.conf", "kubernetes-super-admin", "https://127.0.0.1:6443"),
        Arguments.of(
            "cp/controller-manager.conf",
            "system:kube-controller-manager",
            "https://127.0.0.1:6443"),
        Arguments.of("cp/scheduler.conf", "system:kube-scheduler", "https://127.0.0.1:6443"),
        Arguments.of("cp/kubelet.conf", "system:node:cp-k", "https://127.0.0.1:6443"),
        Arguments.of("worker/kubelet.conf", "system:node:worker-1", "https://[::1]:6443"),
        Arguments.of("worker-flat/kubelet.conf", "system:node:worker-2", "https://127.0.0.1:6443"),
        Arguments.of("proxy/kube-proxy.conf", "system:kube-proxy", "https://127.0.0.1:6443"),
        Arguments.of("home/.kube/config", "kubernetes-admin", "https://[::1]:6443"),
        Arguments.of(
            "break-glass/super-admin.conf", "kubernetes-super-admin", "https://127.0.0.1:6443"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kubeconfigs")
  void kubectlReadsItAndItsCredentialVerifiesAgainstTheKubernetesCa(
      String file, String user, String server) throws Exception {
    Path kubeconfig = temp.resolve(file);

    Tools.Run view = Tools.kubectl(kubectl, kubeconfig, temp, "config", "view");
    assertEquals(0, view.exitCode(), view.output());
    assertTrue(view.output().contains("server: " + server), view.output());
    assertTrue(view.output().contains("current-context: " + user + "@kubernetes"), view.output());
    assertEquals(user, jsonpath(kubeconfig, "{.users[0].name}"));
    assertEquals("kubernetes", jsonpath(kubeconfig, "{.contexts[0].context.cluster}"));
    assertEquals(server, jsonpath(kubeconfig, "{.clusters[0].cluster.server}"));

    byte[] certificatePem =
        Base64.getDecoder()
            .decode(jsonpath(kubeconfig, "{.users[0].user.client-certificate-data}"));
    byte[] keyPem =
        Base64.getDecoder().decode(jsonpath(kubeconfig, "{.users[0].user.client-key-data}"));
    byte[] caPem =
        Base64.getDecoder()
            .decode(jsonpath(kubeconfig, "{.clusters[0].cluster.certificate-authority-data}"));
    Path extracted = Files.createTempFile(temp, "client-", ".crt");
    Files.write(extracted, certificatePem);

    Path kubernetesCa = temp.resolve("cp/pki/ca.crt");
    Tools.Run verify =
        Tools.run(
            List.of(
                "openssl",
                "verify",
                "-CAfile",
                kubernetesCa.toString(),
                "-purpose",
                "sslclient",
                extracted.toString()));
    assertEquals(0, verify.exitCode(), verify.output());
    assertEquals(extracted + ": OK", verify.output().strip());
    assertEquals(
        Files.readString(kubernetesCa),
        new String(caPem, StandardCharsets.UTF_8),
        "the embedded CA is pki/ca.crt");

    X509Certificate certificate = Certificates.read(certificatePem).get(0);
    assertEquals(user, Certificates.commonName(certificate), "user name = CN");
    assertTrue(
        Certificates.matches(certificate, Certificates.readKey(keyPem)),
        "the embedded key is the certificate's");
  }

  private static String jsonpath(Path kubeconfig, String path) throws Exception {
    return Tools.jsonpath(kubectl, kubeconfig, temp, path);
  }

  private static void run(String... args) {
    Cli.Result result = Cli.as(daemon, args);
    assertEquals(0, result.exitCode(), result.toString());
  }
}
