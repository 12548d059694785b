package dev.signet.client.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.files.Certificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/** What every renewal of a certificate and key pair must be, checked on the files. */
public final class Renewals {
  private Renewals() {}

  /**
   * The latest change of {@code certificate} (a NAME.crt beside its NAME.key) was a renewal: a new
   * serial, a key pair never used before, the same subject and names, the pair matching, and the
   * previous pair kept as NAME.crt.bak and NAME.key.bak.
   */
  public static void assertRenewedPair(Generations certificate) throws Exception {
    Path file = certificate.file();
    Path key = assertRenewed(certificate);
    assertArrayEquals(
        certificate.previous(),
        Files.readAllBytes(file.resolveSibling(file.getFileName() + ".bak")),
        "the previous certificate kept: " + file);
    assertTrue(
        Certificates.matches(
            leaf(certificate.previous()),
            Certificates.readKey(key.resolveSibling(key.getFileName() + ".bak"))),
        "with its key: " + key);
  }

  /**
   * The latest change of a Signet API credential was a renewal as {@link #assertRenewedPair} checks
   * it, except that the previous pair, still valid, was not kept: its key would act as the node.
   */
  public static void assertRenewedCredential(Generations credential) throws Exception {
    Path file = credential.file();
    Path key = assertRenewed(credential);
    assertFalse(Files.exists(file.resolveSibling(file.getFileName() + ".bak")), file + ".bak");
    assertFalse(Files.exists(key.resolveSibling(key.getFileName() + ".bak")), key + ".bak");
  }

  /** The checks both kinds of renewal share; returns the key file. */
  private static Path assertRenewed(Generations certificate) throws Exception {
    Path file = certificate.file();
    Path key = file.resolveSibling(file.getFileName().toString().replaceFirst("\\.crt$", ".key"));
    X509Certificate previous = leaf(certificate.previous());
    X509Certificate renewed = leaf(certificate.latest());
    assertNotEquals(previous.getSerialNumber(), renewed.getSerialNumber(), file.toString());
    List<byte[]> all = certificate.all();
    for (byte[] earlier : all.subList(0, all.size() - 1)) {
      assertNotEquals(
          leaf(earlier).getPublicKey(), renewed.getPublicKey(), "a new key pair for " + file);
    }
    assertEquals(
        previous.getSubjectX500Principal(), renewed.getSubjectX500Principal(), file.toString());
    assertEquals(CertificateNames.sans(previous), CertificateNames.sans(renewed), file.toString());
    assertTrue(Certificates.pairMatches(file, key), "the renewed pair matches: " + file);
    return key;
  }

  public static X509Certificate leaf(byte[] pem) throws Exception {
    return Certificates.read(pem).get(0);
  }
}
