package dev.signet.client.cli;

import static dev.signet.client.testing.CertificateNames.sans;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.files.Certificates;
import dev.signet.client.files.Kubeconfig;
import dev.signet.client.testing.Cli;
import dev.signet.client.testing.PrivateKeys;
import dev.signet.server.testing.DaemonConfig;
import dev.signet.server.testing.TestDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code signet control-plane} against a real signetd: the files, their modes and contents,
 * idempotent re-runs, --force, a changed request, and the flat layout.
 */
class ControlPlaneIT {
  static final Set<String> KUBEADM_FILES =
      Set.of(
          "pki/ca.crt",
          "pki/front-proxy-ca.crt",
          "pki/etcd/ca.crt",
          "pki/sa.pub",
          "pki/apiserver.crt",
          "pki/apiserver.key",
          "pki/apiserver-kubelet-client.crt",
          "pki/apiserver-kubelet-client.key",
          "pki/front-proxy-client.crt",
          "pki/front-proxy-client.key",
          "pki/etcd/server.crt",
          "pki/etcd/server.key",
          "pki/etcd/peer.crt",
          "pki/etcd/peer.key",
          "pki/etcd/healthcheck-client.crt",
          "pki/etcd/healthcheck-client.key",
          "pki/apiserver-etcd-client.crt",
          "pki/apiserver-etcd-client.key",
          "admin.conf",
          "super-admin.conf",
          "controller-manager.conf",
          "scheduler.conf",
          "kubelet.conf",
          ".signet/manifest.yaml",
          ".signet/lock");

  static TestDaemon daemon;
  @TempDir Path temp;

  @BeforeAll
  static void startDaemon() throws Exception {
    daemon = TestDaemon.start("cli-cp", new DaemonConfig());
  }

  @AfterAll
  static void stopDaemon() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
  }

  static Cli.Result controlPlane(Path out, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "control-plane",
                "--node",
                "cp-1",
                "--advertise-address",
                "127.0.0.1",
                "--control-plane-endpoint",
                "127.0.0.1:16443",
                "--out",
                out.toString()));
    args.addAll(List.of(more));
    return Cli.as(daemon, args.toArray(new String[0]));
  }

  @Test
  void writesTheKubeadmLayoutWithExactModesAndNothingElse() throws Exception {
    Path out = temp.resolve("etc-kubernetes");
    int issuedBefore = daemon.ledger().count("state = 'ISSUED'");

    Cli.Result result = controlPlane(out);

    assertEquals(0, result.exitCode(), result.toString());
    assertEquals(KUBEADM_FILES, files(out), "exactly these files, no temporary or staged ones");
    for (String file : KUBEADM_FILES) {
      String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(file)));
      boolean secret = file.endsWith(".key") || file.endsWith(".conf");
      assertEquals(secret ? "rw-------" : "rw-r--r--", mode, file);
      if (!file.endsWith(".key")) {
        assertFalse(
            Files.readString(out.resolve(file)).contains("PRIVATE KEY") && file.endsWith(".crt"),
            file);
      }
    }
    assertEquals(
        issuedBefore + 12, daemon.ledger().count("state = 'ISSUED'"), "12 certificates issued");
    assertTrue(result.out().contains("12 certificates issued, 0 kept"), result.out());
    // one line per file written
    assertEquals(
        23, result.out().lines().filter(l -> l.startsWith("  wrote ")).count(), result.out());

    List<X509Certificate> ca = Certificates.read(out.resolve("pki/ca.crt"));
    List<X509Certificate> etcdCa = Certificates.read(out.resolve("pki/etcd/ca.crt"));
    List<X509Certificate> frontProxyCa = Certificates.read(out.resolve("pki/front-proxy-ca.crt"));
    assertPair(out, "pki/apiserver", ca);
    assertPair(out, "pki/apiserver-kubelet-client", ca);
    assertPair(out, "pki/front-proxy-client", frontProxyCa);
    assertPair(out, "pki/apiserver-etcd-client", etcdCa);
    for (String member : List.of("server", "peer", "healthcheck-client")) {
      assertPair(out, "pki/etcd/" + member, etcdCa);
    }
    X509Certificate apiserver = Certificates.read(out.resolve("pki/apiserver.crt")).get(0);
    assertEquals("kube-apiserver", Certificates.commonName(apiserver));
    Set<String> sans = sans(apiserver);
    assertTrue(
        sans.containsAll(
            Set.of(
                "cp-1",
                "kubernetes",
                "kubernetes.default.svc.cluster.local",
                "10.96.0.1",
                "127.0.0.1")),
        sans.toString());

    Map<String, String> servers =
        Map.of(
            "admin.conf", "https://127.0.0.1:16443",
            "super-admin.conf", "https://127.0.0.1:16443",
            "kubelet.conf", "https://127.0.0.1:16443",
            "controller-manager.conf", "https://127.0.0.1:6443",
            "scheduler.conf", "https://127.0.0.1:6443");
    Map<String, String> users =
        Map.of(
            "admin.conf", "kubernetes-admin",
            "super-admin.conf", "kubernetes-super-admin",
            "kubelet.conf", "system:node:cp-1",
            "controller-manager.conf", "system:kube-controller-manager",
            "scheduler.conf", "system:kube-scheduler");
    for (String file : servers.keySet()) {
      Kubeconfig.Contents contents = Kubeconfig.read(out.resolve(file));
      assertEquals(servers.get(file), contents.server(), file);
      assertEquals(users.get(file), contents.user(), file);
      assertArrayEquals(Files.readAllBytes(out.resolve("pki/ca.crt")), contents.caPem(), file);
      Kubeconfig.Embedded embedded = (Kubeconfig.Embedded) contents.credential();
      X509Certificate client = Certificates.read(embedded.certificatePem()).get(0);
      assertEquals(users.get(file), Certificates.commonName(client), file);
      assertTrue(Certificates.matches(client, Certificates.readKey(embedded.keyPem())), file);
      assertTrue(Certificates.issuedBy(List.of(client), ca), file);
      assertTrue(
          Files.readString(out.resolve(file))
              .contains("current-context: " + users.get(file) + "@kubernetes"),
          file);
    }
  }

  @Test
  void aSecondRunKeepsWhatIsValidAndForceReissuesWithBackups() throws Exception {
    Path out = temp.resolve("rerun");
    assertEquals(0, controlPlane(out).exitCode());
    Map<String, byte[]> before = contents(out);
    int issued = daemon.ledger().count("state = 'ISSUED'");

    Cli.Result again = controlPlane(out);

    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(
        again.out().contains("0 certificates issued, 12 kept, 0 files written"), again.out());
    assertEquals(
        12,
        again.out().lines().filter(l -> l.startsWith("  kept ") && l.contains(", kept")).count(),
        again.out());
    assertEquals(issued, daemon.ledger().count("state = 'ISSUED'"), "nothing issued on a re-run");
    assertContentsEqual(before, contents(out));

    Cli.Result forced = controlPlane(out, "--force");

    assertEquals(0, forced.exitCode(), forced.toString());
    assertTrue(forced.out().contains("12 certificates issued, 0 kept"), forced.out());
    assertEquals(issued + 12, daemon.ledger().count("state = 'ISSUED'"));
    Map<String, byte[]> after = contents(out);
    for (String key : List.of("pki/apiserver.key", "pki/etcd/peer.key", "admin.conf")) {
      assertFalse(java.util.Arrays.equals(before.get(key), after.get(key)), key + " replaced");
      assertArrayEquals(
          before.get(key), Files.readAllBytes(out.resolve(key + ".bak")), key + " backed up");
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(key + ".bak"))));
    }
    assertArrayEquals(before.get("pki/ca.crt"), after.get("pki/ca.crt"), "CA files unchanged");

    Cli.Result notDue = controlPlane(out, "--renew-within", "720h");
    assertTrue(notDue.out().contains("0 certificates issued, 12 kept"), notDue.out());
    Cli.Result due = controlPlane(out, "--renew-within", "400d");
    assertTrue(due.out().contains("12 certificates issued, 0 kept"), due.out());
    assertTrue(due.out().contains("(expires in 36"), "the reason is given: " + due.out());
  }

  @Test
  void anotherEndpointRenewsTheApiserverAndRewritesKubeconfigsKeepingTheirCredentials()
      throws Exception {
    Path out = temp.resolve("endpoint");
    assertEquals(0, controlPlane(out).exitCode());
    byte[] adminBefore = Files.readAllBytes(out.resolve("admin.conf"));
    byte[] schedulerBefore = Files.readAllBytes(out.resolve("scheduler.conf"));
    Kubeconfig.Embedded credentialBefore =
        (Kubeconfig.Embedded) Kubeconfig.read(out.resolve("admin.conf")).credential();

    Cli.Result moved =
        Cli.as(
            daemon,
            "control-plane",
            "--node",
            "cp-1",
            "--advertise-address",
            "127.0.0.1",
            "--control-plane-endpoint",
            "[::1]:16443",
            "--out",
            out.toString());

    assertEquals(0, moved.exitCode(), moved.toString());
    assertTrue(moved.out().contains("1 certificate issued, 11 kept"), moved.out());
    assertTrue(
        sans(Certificates.read(out.resolve("pki/apiserver.crt")).get(0))
            .contains("0:0:0:0:0:0:0:1"));
    for (String file : List.of("admin.conf", "super-admin.conf", "kubelet.conf")) {
      Kubeconfig.Contents contents = Kubeconfig.read(out.resolve(file));
      assertEquals("https://[::1]:16443", contents.server(), file);
    }
    Kubeconfig.Embedded credentialAfter =
        (Kubeconfig.Embedded) Kubeconfig.read(out.resolve("admin.conf")).credential();
    assertArrayEquals(
        credentialBefore.certificatePem(),
        credentialAfter.certificatePem(),
        "the same certificate");
    assertArrayEquals(credentialBefore.keyPem(), credentialAfter.keyPem(), "and the same key");
    assertArrayEquals(adminBefore, Files.readAllBytes(out.resolve("admin.conf.bak")));
    assertArrayEquals(
        schedulerBefore,
        Files.readAllBytes(out.resolve("scheduler.conf")),
        "the local endpoint did not move");
  }

  @Test
  void aChangedRequestReissuesOnlyTheCertificateItConcerns() throws Exception {
    Path out = temp.resolve("changed");
    assertEquals(0, controlPlane(out).exitCode());
    X509Certificate etcdBefore = Certificates.read(out.resolve("pki/etcd/server.crt")).get(0);

    Cli.Result result = controlPlane(out, "--apiserver-extra-san", "api.example.test,192.0.2.10");

    assertEquals(0, result.exitCode(), result.toString());
    assertTrue(result.out().contains("1 certificate issued, 11 kept"), result.out());
    assertTrue(result.out().contains("the request changed"), result.out());
    assertTrue(
        sans(Certificates.read(out.resolve("pki/apiserver.crt")).get(0))
            .containsAll(Set.of("api.example.test", "192.0.2.10")));
    assertEquals(etcdBefore, Certificates.read(out.resolve("pki/etcd/server.crt")).get(0));
    assertTrue(Files.readString(out.resolve(".signet/manifest.yaml")).contains("api.example.test"));
  }

  @Test
  void aRunThatFailsHalfWayRecordsOnlyWhatItWrote() throws Exception {
    Path out = temp.resolve("half-way");
    assertEquals(0, controlPlane(out).exitCode());

    // the apiserver (first) is refused, so the changed etcd request is never issued
    Cli.Result failed =
        controlPlane(
            out, "--apiserver-extra-san", "not_a_name!", "--etcd-extra-san", "etcd.example.test");
    assertEquals(5, failed.exitCode(), failed.toString());
    assertFalse(
        Files.readString(out.resolve(".signet/manifest.yaml")).contains("etcd.example.test"),
        "not recorded");

    Cli.Result fixed = controlPlane(out, "--etcd-extra-san", "etcd.example.test");

    assertEquals(0, fixed.exitCode(), fixed.toString());
    assertTrue(
        fixed.out().contains("2 certificates issued, 10 kept"),
        "etcd server and peer: " + fixed.out());
    assertTrue(
        sans(Certificates.read(out.resolve("pki/etcd/server.crt")).get(0))
            .contains("etcd.example.test"));
    assertTrue(
        sans(Certificates.read(out.resolve("pki/etcd/peer.crt")).get(0))
            .contains("etcd.example.test"));
  }

  @Test
  void aKeyOpenToOthersOrATamperedCertificateIsReplaced() throws Exception {
    Path out = temp.resolve("tampered");
    assertEquals(0, controlPlane(out).exitCode());
    Files.setPosixFilePermissions(
        out.resolve("pki/apiserver.key"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.copy(
        out.resolve("pki/apiserver-etcd-client.crt"),
        out.resolve("pki/front-proxy-client.crt"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    Cli.Result result = controlPlane(out);

    assertEquals(0, result.exitCode(), result.toString());
    assertTrue(result.out().contains("2 certificates issued, 10 kept"), result.out());
    assertTrue(result.out().contains("apiserver.key is open to others"), result.out());
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(out.resolve("pki/apiserver.key"))));
    assertTrue(
        Certificates.pairMatches(
            out.resolve("pki/front-proxy-client.crt"), out.resolve("pki/front-proxy-client.key")));
  }

  @Test
  void theFlatLayoutWritesTheClassicNames() throws Exception {
    Path out = temp.resolve("flat");

    Cli.Result result = controlPlane(out, "--layout", "flat", "--key-algorithm", "rsa-2048");

    assertEquals(0, result.exitCode(), result.toString());
    Set<String> expected =
        new TreeSet<>(
            Set.of(
                "ca.crt",
                "etcd-ca.crt",
                "front-proxy-ca.crt",
                "sa.pub",
                ".signet/manifest.yaml",
                ".signet/lock"));
    for (String pair :
        List.of(
            "apiserver",
            "apiserver-kubelet-client",
            "apiserver-etcd-client",
            "front-proxy-client",
            "etcdserver",
            "admin",
            "controller-manager",
            "scheduler",
            "kubelet",
            "kube-proxy")) {
      expected.add(pair + ".crt");
      expected.add(pair + ".key");
      assertTrue(
          Files.readString(out.resolve(pair + ".key"))
              .startsWith("-----BEGIN RSA PRIVATE KEY-----"),
          pair);
    }
    assertEquals(expected, files(out));
    assertEquals(
        "system:node:cp-1",
        Certificates.commonName(Certificates.read(out.resolve("kubelet.crt")).get(0)));
    assertTrue(
        Certificates.issuedBy(
            Certificates.read(out.resolve("etcdserver.crt")),
            Certificates.read(out.resolve("etcd-ca.crt"))));
  }

  /**
   * The point of it all: after control-plane, no private key of a CA (kubernetes, etcd,
   * front-proxy, signet-api) or of the service-account signer is anywhere under --out, neither as a
   * file kubeadm would read (ca.key, sa.key, ...) nor inside any file: every PEM private key and
   * every kubeconfig's client-key-data is read, and its public key compared with theirs. sa.pub
   * holds the signer's public key.
   */
  @Test
  void noPrivateKeyOfACaOrOfTheServiceAccountSignerIsUnderOut() throws Exception {
    Path out = temp.resolve("no-ca-keys");
    Cli.Result result = controlPlane(out);
    assertEquals(0, result.exitCode(), result.toString());

    Set<String> forbidden = new TreeSet<>();
    for (var ca : daemon.daemon().cas().all()) {
      forbidden.add(PrivateKeys.hex(ca.certificate().getPublicKey()));
    }
    List<String> serviceAccountKeys = new ArrayList<>();
    for (var generation : daemon.daemon().serviceAccountKeys().current().generations()) {
      serviceAccountKeys.add(PrivateKeys.hex(generation.publicKey()));
    }
    forbidden.addAll(serviceAccountKeys);
    assertTrue(forbidden.size() >= 5, "four CAs and the signer: " + forbidden.size());

    for (String kubeadmName :
        List.of(
            "pki/ca.key",
            "pki/sa.key",
            "pki/front-proxy-ca.key",
            "pki/etcd/ca.key",
            "sa.key",
            "ca.key")) {
      assertFalse(Files.exists(out.resolve(kubeadmName)), kubeadmName);
    }
    Map<Path, List<String>> found = PrivateKeys.under(out);
    int keys = found.values().stream().mapToInt(List::size).sum();
    assertEquals(12, keys, "the 12 leaf keys, in files and kubeconfigs, were all read: " + found);
    found.forEach(
        (file, publicKeys) ->
            publicKeys.forEach(
                key ->
                    assertFalse(forbidden.contains(key), file + " holds a CA's or signer's key")));

    List<String> published = new ArrayList<>();
    for (byte[] der :
        dev.signet.common.Pem.readPublicKeys(Files.readString(out.resolve("pki/sa.pub")))) {
      published.add(
          PrivateKeys.hex(
              java.security.KeyFactory.getInstance(
                      daemon
                          .daemon()
                          .serviceAccountKeys()
                          .current()
                          .signing()
                          .publicKey()
                          .getAlgorithm())
                  .generatePublic(new java.security.spec.X509EncodedKeySpec(der))));
    }
    assertEquals(serviceAccountKeys, published, "sa.pub: the signer's public key");
  }

  static void assertPair(Path out, String base, List<X509Certificate> ca) throws Exception {
    List<X509Certificate> chain = Certificates.read(out.resolve(base + ".crt"));
    assertEquals(1, chain.size(), base + ".crt holds the leaf only (root CAs are in the CA files)");
    assertTrue(Certificates.issuedBy(chain, ca), base + " issued by its CA");
    assertTrue(
        Certificates.pairMatches(out.resolve(base + ".crt"), out.resolve(base + ".key")),
        base + " key matches");
    String key = Files.readString(out.resolve(base + ".key"));
    assertTrue(key.startsWith("-----BEGIN EC PRIVATE KEY-----"), base + ".key is SEC1 PEM");
  }

  static Set<String> files(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  static Map<String, byte[]> contents(Path root) throws Exception {
    Map<String, byte[]> contents = new TreeMap<>();
    for (String file : files(root)) {
      contents.put(file, Files.readAllBytes(root.resolve(file)));
    }
    return contents;
  }

  static void assertContentsEqual(Map<String, byte[]> expected, Map<String, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String file : expected.keySet()) {
      assertArrayEquals(expected.get(file), actual.get(file), file + " unchanged");
    }
  }
}
