package dev.signet.client.files;

import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/** Reading and checking the certificates and keys signet writes. */
public final class Certificates {
  private static final byte[] PROBE =
      "signet: does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);

  private Certificates() {}

  /** The certificates of a PEM file, leaf first; an IOException when there is none. */
  public static List<X509Certificate> read(byte[] pem) throws IOException {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      for (byte[] der : Pem.readCertificates(new String(pem, StandardCharsets.US_ASCII))) {
        chain.add(SignetClient.parse(der));
      }
    } catch (IllegalArgumentException e) {
      throw new IOException("not a readable certificate");
    }
    if (chain.isEmpty()) {
      throw new IOException("no CERTIFICATE block");
    }
    return chain;
  }

  public static List<X509Certificate> read(Path file) throws IOException {
    return read(Files.readAllBytes(file));
  }

  /** The private key of a PEM file; the message of a failure never quotes the file. */
  public static PrivateKey readKey(byte[] pem) throws IOException {
    try {
      return Pem.readPrivateKey(pem);
    } catch (IOException | RuntimeException e) {
      throw new IOException("not a readable private key");
    }
  }

  public static PrivateKey readKey(Path file) throws IOException {
    byte[] pem = Files.readAllBytes(file);
    try {
      return readKey(pem);
    } finally {
      Arrays.fill(pem, (byte) 0);
    }
  }

  /** True when {@code key} is the private half of the certificate's public key. */
  public static boolean matches(X509Certificate certificate, PrivateKey key) {
    KeyAlgorithm algorithm = KeyAlgorithm.of(certificate.getPublicKey()).orElse(null);
    if (algorithm == null
        || !key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
      return false;
    }
    try {
      Signature signer = Signature.getInstance(algorithm.signatureAlgorithm());
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm.signatureAlgorithm());
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** True when the files' key and certificate belong together. */
  public static boolean pairMatches(Path certificate, Path key) {
    try {
      return matches(read(certificate).get(0), readKey(key));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * True when the chain's leaf leads, through the chain's other certificates, to one of the {@code
   * anchors} (the current CA bundle of its trust domain).
   */
  public static boolean issuedBy(List<X509Certificate> chain, List<X509Certificate> anchors) {
    X509Certificate current = chain.get(0);
    for (int step = 0; step <= chain.size(); step++) {
      for (X509Certificate anchor : anchors) {
        if (signedBy(current, anchor)) {
          return true;
        }
      }
      if (step + 1 >= chain.size() || !signedBy(current, chain.get(step + 1))) {
        return false;
      }
      current = chain.get(step + 1);
    }
    return false;
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
    if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    try {
      certificate.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * What a certificate file holds for an issued certificate: the leaf, then any intermediate CA of
   * its chain; not the trust {@code anchors}, which the CA files (or the caller's CA bundle) hold.
   */
  public static List<X509Certificate> leafAndIntermediates(
      IssueCertificateResponse response, Collection<X509Certificate> anchors) {
    List<X509Certificate> certificates = new ArrayList<>();
    certificates.add(SignetClient.parse(response.getCertificateDer().toByteArray()));
    response.getChainDerList().stream()
        .map(der -> SignetClient.parse(der.toByteArray()))
        .filter(ca -> !anchors.contains(ca))
        .forEach(certificates::add);
    return certificates;
  }

  /** Certificates as PEM text, in order. */
  public static byte[] pem(List<X509Certificate> certificates) {
    List<byte[]> ders = new ArrayList<>();
    for (X509Certificate certificate : certificates) {
      try {
        ders.add(certificate.getEncoded());
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return Pem.certificates(ders).getBytes(StandardCharsets.US_ASCII);
  }

  /** The CN of a certificate's subject; empty when it has none. */
  public static String commonName(X509Certificate certificate) {
    RDN[] names =
        X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded())
            .getRDNs(BCStyle.CN);
    return names.length == 0 ? "" : IETFUtils.valueToString(names[0].getFirst().getValue());
  }
}
