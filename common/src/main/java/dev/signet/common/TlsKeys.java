package dev.signet.common;

import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.security.auth.x500.X500Principal;

/**
 * One private key and its certificate chain, for netty's TLS contexts (signetd's two ports, every
 * client's channel) without a detour through PKCS#12.
 *
 * <p>Given a key and a chain, netty puts them in an in-memory PKCS#12 key store, which encrypts the
 * key with 10,000 rounds of PBKDF2, and reads it back through the JDK's key manager, which decrypts
 * it again: 40 to 70 ms of CPU for each context a process builds, on the path of every start and
 * every command. This key manager hands the key over as it is; netty's caching factory converts it
 * to OpenSSL's form once, on first use.
 */
public final class TlsKeys {
  private static final String ALIAS = "signet";

  private TlsKeys() {}

  /** A key manager factory that always presents {@code key} with {@code chain}. */
  public static KeyManagerFactory of(PrivateKey key, List<X509Certificate> chain) {
    return new OpenSslCachingX509KeyManagerFactory(
        new KeyManagerFactoryWrapper(new OneKey(key, chain.toArray(new X509Certificate[0]))));
  }

  /**
   * The only credential there is, offered as the JDK's key manager would choose it: when the key
   * type asked for is its own ("EC" or "RSA", or a type such as "EC_EC" that starts with it) and,
   * if the peer names the issuers it accepts, one of them issued a certificate of the chain. A
   * credential of another CA (a cluster certificate given as --cert) is then not sent at all, and
   * signetd says it required one.
   */
  private static final class OneKey extends X509ExtendedKeyManager {
    private final PrivateKey key;
    private final X509Certificate[] chain;
    private final String algorithm;

    OneKey(PrivateKey key, X509Certificate[] chain) {
      this.key = key;
      this.chain = chain;
      // BouncyCastle names EC keys "ECDSA"; TLS key types say "EC"
      this.algorithm = key.getAlgorithm().equals("ECDSA") ? "EC" : key.getAlgorithm();
    }

    private boolean fits(String keyType) {
      return keyType != null && (keyType.equals(algorithm) || keyType.startsWith(algorithm + "_"));
    }

    private boolean issuedByOneOf(Principal[] issuers) {
      if (issuers == null || issuers.length == 0) {
        return true;
      }
      for (X509Certificate certificate : chain) {
        for (Principal issuer : issuers) {
          if (issuer != null
              && new X500Principal(issuer.getName()).equals(certificate.getIssuerX500Principal())) {
            return true;
          }
        }
      }
      return false;
    }

    private String choose(Principal[] issuers, String... keyTypes) {
      if (keyTypes != null && issuedByOneOf(issuers)) {
        for (String keyType : keyTypes) {
          if (fits(keyType)) {
            return ALIAS;
          }
        }
      }
      return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return fits(keyType) && issuedByOneOf(issuers) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return choose(issuers, keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(
        String[] keyTypes, Principal[] issuers, SSLEngine engine) {
      return choose(issuers, keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return choose(issuers, keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return choose(issuers, keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key;
    }
  }
}
