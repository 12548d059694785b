package dev.signet.client.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.api.v1.TrustDomain;
import dev.signet.client.rpc.Parameters;
import dev.signet.client.rpc.Profile;
import dev.signet.common.KeyAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest records every typed parameter and reads back equal; runs merge by name. */
class ManifestTest {
  @TempDir Path root;

  private static final Credential APISERVER =
      Credential.pair(
          "apiserver",
          Profile.APISERVER,
          new Parameters(
              "cp-1",
              "10.0.0.10",
              "k8s.example.com:6443",
              "10.96.0.0/12",
              "cluster.local",
              List.of("api.example.com", "192.0.2.1"),
              List.of()),
          KeyAlgorithm.ECDSA_P384,
          "pki/apiserver.crt",
          "pki/apiserver.key");
  private static final Credential KUBELET =
      Credential.pair(
              "kubelet",
              Profile.KUBELET_CLIENT,
              Parameters.node("w-1"),
              KeyAlgorithm.RSA_2048,
              "kubelet.crt",
              "kubelet.key")
          .withKubeconfig("kubelet.conf", "https://[::1]:6443");
  private static final Credential ADMIN =
      Credential.kubeconfig(
          "admin.conf",
          Profile.ADMIN,
          Parameters.NONE,
          KeyAlgorithm.ECDSA_P256,
          "admin.conf",
          "https://127.0.0.1:6443");

  @Test
  void writesAndReadsBackEveryField() throws Exception {
    Manifest manifest =
        new Manifest(
            Map.of(
                TrustDomain.TRUST_DOMAIN_KUBERNETES,
                "pki/ca.crt",
                TrustDomain.TRUST_DOMAIN_ETCD,
                "pki/etcd/ca.crt"),
            List.of(APISERVER, KUBELET, ADMIN));

    manifest.write(root);

    assertEquals(manifest, Manifest.load(root).orElseThrow());
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(Manifest.file(root))));
    String text = Files.readString(Manifest.file(root));
    assertTrue(
        text.contains("profile: apiserver")
            && text.contains("controlPlaneEndpoint: k8s.example.com:6443"),
        text);
  }

  @Test
  void aLaterRunReplacesByNameAndKeepsTheRest() {
    Manifest first =
        Manifest.empty()
            .merge(
                Map.of(TrustDomain.TRUST_DOMAIN_KUBERNETES, "pki/ca.crt"),
                List.of(APISERVER, ADMIN));
    Credential changed = APISERVER.withKeyAlgorithm(KeyAlgorithm.RSA_4096);

    Manifest second =
        first.merge(
            Map.of(TrustDomain.TRUST_DOMAIN_ETCD, "pki/etcd/ca.crt"), List.of(changed, KUBELET));

    assertEquals(List.of(changed, ADMIN, KUBELET), second.credentials());
    assertEquals(2, second.caFiles().size());
  }

  @Test
  void noManifestIsEmptyAndABrokenOneIsAnError() throws Exception {
    assertTrue(Manifest.load(root).isEmpty());
    Files.createDirectories(Manifest.file(root).getParent());
    Files.writeString(
        Manifest.file(root),
        "version: 1\ncertificates:\n- name: x\n  profile: no-such-profile\n  keyAlgorithm: ecdsa-p256\n");
    IOException e = assertThrows(IOException.class, () -> Manifest.load(root));
    assertTrue(e.getMessage().contains("unknown profile 'no-such-profile'"), e.getMessage());
    Files.writeString(Manifest.file(root), "version: 7\n");
    assertThrows(IOException.class, () -> Manifest.load(root));
  }
}
