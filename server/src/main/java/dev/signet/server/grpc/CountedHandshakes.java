package dev.signet.server.grpc;

import dev.signet.server.metrics.SignetdMetrics;
import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import io.grpc.netty.shaded.io.netty.handler.ssl.DelegatingSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS handshakes of a listener, counted in {@code signet_tls_handshakes_total}: each one that
 * starts (a new TLS engine), each that completes (the connection is ready for calls), and on the
 * API listener each client certificate the trust manager refuses.
 */
final class CountedHandshakes extends DelegatingSslContext {
  private final SignetdMetrics metrics;
  private final String listener;

  CountedHandshakes(SslContext context, SignetdMetrics metrics, String listener) {
    super(context);
    this.metrics = metrics;
    this.listener = listener;
  }

  @Override
  protected void initEngine(SSLEngine engine) {
    metrics.handshakes.labelValues(listener, "started").inc();
  }

  /** Counts the connections whose handshake completed. */
  static ServerTransportFilter completions(SignetdMetrics metrics, String listener) {
    return new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        metrics.handshakes.labelValues(listener, "completed").inc();
        return attributes;
      }
    };
  }

  /**
   * The JDK's PKIX trust manager over {@code trusted}, counting the client certificates it refuses
   * (a cluster credential, an expired or foreign one).
   */
  static TrustManager refusalsCounted(
      List<X509Certificate> trusted, SignetdMetrics metrics, String listener) {
    X509ExtendedTrustManager pkix = pkix(trusted);
    return new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        counted(() -> pkix.checkClientTrusted(chain, authType, socket));
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        counted(() -> pkix.checkClientTrusted(chain, authType, engine));
      }

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        counted(() -> pkix.checkClientTrusted(chain, authType));
      }

      private void counted(Check check) throws CertificateException {
        try {
          check.run();
        } catch (CertificateException e) {
          metrics.handshakes.labelValues(listener, "client_certificate_refused").inc();
          throw e;
        }
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
      }
    };
  }

  private interface Check {
    void run() throws CertificateException;
  }

  private static X509ExtendedTrustManager pkix(List<X509Certificate> trusted) {
    try {
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      for (int i = 0; i < trusted.size(); i++) {
        anchors.setCertificateEntry("signet-api-" + i, trusted.get(i));
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(anchors);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("the JDK has no X509ExtendedTrustManager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build the signet-api trust manager", e);
    }
  }
}
