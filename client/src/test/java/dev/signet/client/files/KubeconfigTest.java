package dev.signet.client.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kubeconfigs in kubeadm's shape, embedded or referencing, and reading them back. */
class KubeconfigTest {
  @TempDir Path directory;

  @Test
  void anEmbeddedKubeconfigHasKubeadmsNamesAndOrderAndReadsBack() throws Exception {
    SelfSigned credential = SelfSigned.create("kubernetes-admin");
    byte[] ca = SelfSigned.create("kubernetes").certificatePem();

    byte[] rendered =
        Kubeconfig.render(
            "https://[::1]:6443",
            ca,
            "kubernetes-admin",
            new Kubeconfig.Embedded(credential.certificatePem(), credential.keyPem()));

    String text = new String(rendered, StandardCharsets.UTF_8);
    Base64.Encoder base64 = Base64.getEncoder();
    assertEquals(
        String.join(
            "\n",
            "apiVersion: v1",
            "clusters:",
            "- cluster:",
            "    certificate-authority-data: " + base64.encodeToString(ca),
            "    server: https://[::1]:6443",
            "  name: kubernetes",
            "contexts:",
            "- context:",
            "    cluster: kubernetes",
            "    user: kubernetes-admin",
            "  name: kubernetes-admin@kubernetes",
            "current-context: kubernetes-admin@kubernetes",
            "kind: Config",
            "preferences: {}",
            "users:",
            "- user:",
            "    client-certificate-data: " + base64.encodeToString(credential.certificatePem()),
            "    client-key-data: " + base64.encodeToString(credential.keyPem()),
            "  name: kubernetes-admin",
            ""),
        text.replace("- name: kubernetes\n  cluster:", "- cluster:"));
    Path file = Files.write(directory.resolve("admin.conf"), rendered);
    Kubeconfig.Contents contents = Kubeconfig.read(file);
    assertEquals("https://[::1]:6443", contents.server());
    assertEquals("kubernetes-admin", contents.user());
    assertArrayEquals(ca, contents.caPem());
    Kubeconfig.Embedded embedded = (Kubeconfig.Embedded) contents.credential();
    assertArrayEquals(credential.keyPem(), embedded.keyPem());
    assertTrue(!embedded.toString().contains("PRIVATE"), "toString never shows the key");
  }

  @Test
  void userNamesWithColonsAndReferencedFilesStayReadable() throws Exception {
    byte[] rendered =
        Kubeconfig.render(
            "https://127.0.0.1:6443",
            new byte[] {'x'},
            "system:node:worker-1",
            new Kubeconfig.Referenced("pki/kubelet.crt", "pki/kubelet.key"));
    Path file = Files.write(directory.resolve("kubelet.conf"), rendered);

    Kubeconfig.Contents contents = Kubeconfig.read(file);

    assertEquals("system:node:worker-1", contents.user());
    assertEquals(
        new Kubeconfig.Referenced("pki/kubelet.crt", "pki/kubelet.key"), contents.credential());
    assertEquals(directory.resolve("pki/kubelet.crt"), Kubeconfig.resolve(file, "pki/kubelet.crt"));
    assertTrue(
        new String(rendered, StandardCharsets.UTF_8)
            .contains("current-context: system:node:worker-1@kubernetes"));
  }

  @Test
  void somethingElseIsAnIOExceptionThatQuotesNothing() throws Exception {
    Path notYaml =
        Files.writeString(
            directory.resolve("a.conf"), "users: [unclosed\nclient-key-data: c2VjcmV0");
    IOException e = assertThrows(IOException.class, () -> Kubeconfig.read(notYaml));
    assertTrue(!e.getMessage().contains("c2VjcmV0"), e.getMessage());
    Path noUser =
        Files.writeString(
            directory.resolve("b.conf"),
            "apiVersion: v1\nclusters:\n- name: k\n  cluster: {server: x}\n");
    assertThrows(IOException.class, () -> Kubeconfig.read(noUser));
  }
}
