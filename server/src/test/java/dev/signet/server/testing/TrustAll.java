package dev.signet.server.testing;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS for a hostile client that does not care whom it talks to: it trusts any server. Only for
 * tests that attack the daemon's own loopback ports.
 */
public final class TrustAll {
  private TrustAll() {}

  public static SSLSocketFactory socketFactory() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new AnyServer()}, new SecureRandom());
    return tls.getSocketFactory();
  }

  private static final class AnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("a client only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // any server will do: the test attacks its own daemon
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
