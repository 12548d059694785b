package dev.signet.common;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The gRPC channel to signetd, one for the node client and for signetd's own admin commands: TLS
 * 1.3 (1.2 at least), the daemon verified against the signet-api CA bundle, and the caller's
 * credential presented, unless it has none (a new node on the enrollment port). The channel
 * connects on its first call.
 */
public final class SignetdChannel {
  /** Above gRPC's 4 MiB default: the CRL of 100,000 revoked certificates is about 5 MB. */
  private static final int MAX_ANSWER_BYTES = 64 << 20;

  /** A caller's credential: its private key and certificate chain. */
  public record Credential(PrivateKey key, List<X509Certificate> chain) {
    @Override
    public String toString() {
      return "Credential[" + chain.get(0).getSubjectX500Principal() + "]";
    }
  }

  private SignetdChannel() {}

  /** A channel to {@code server}, trusting {@code trusted}, presenting {@code credential}. */
  public static ManagedChannel open(
      HostPort server, List<X509Certificate> trusted, Optional<Credential> credential)
      throws IOException {
    SslContextBuilder tls =
        GrpcSslContexts.forClient()
            .trustManager(trusted.toArray(new X509Certificate[0]))
            .protocols("TLSv1.3", "TLSv1.2");
    credential.ifPresent(c -> tls.keyManager(TlsKeys.of(c.key(), c.chain())));
    return NettyChannelBuilder.forAddress(server.host(), server.port())
        .sslContext(tls.build())
        .maxInboundMessageSize(MAX_ANSWER_BYTES)
        .build();
  }

  /**
   * As {@link #open(HostPort, List, Optional)} with PEM files: the CA bundle, and the credential's
   * certificate and key (both null for none).
   */
  public static ManagedChannel open(HostPort server, Path caBundle, Path certificate, Path key)
      throws IOException {
    Optional<Credential> credential = Optional.empty();
    if (certificate != null) {
      byte[] pem = Files.readAllBytes(key);
      try {
        credential =
            Optional.of(new Credential(Pem.readPrivateKey(pem), certificates(certificate)));
      } finally {
        Arrays.fill(pem, (byte) 0);
      }
    }
    return open(server, certificates(caBundle), credential);
  }

  /** The certificates of a PEM file. */
  public static List<X509Certificate> certificates(Path file) throws IOException {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (byte[] der : Pem.readCertificates(Files.readString(file))) {
        certificates.add(
            (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException e) {
      throw new IOException(
          file + " holds a certificate that does not parse: " + e.getMessage(), e);
    }
    return certificates;
  }
}
