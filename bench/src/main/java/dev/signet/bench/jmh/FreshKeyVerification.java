package dev.signet.bench.jmh;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import dev.signet.server.x509.Signatures;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.conscrypt.Conscrypt;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fresh-key P-256 verifications per second, as the CSR check does them: every call decodes a key it
 * has never seen (a SubjectPublicKeyInfo, as a CSR carries it) and verifies one ECDSA-SHA256
 * signature under it. For BouncyCastle's low-level API (what {@link Signatures} uses), the JDK's
 * SunEC, BouncyCastle's JCA provider, Amazon Corretto Crypto Provider (AWS-LC, native) and
 * Conscrypt (BoringSSL, native).
 *
 * <p>Run with {@code bin/signet-bench verify} (single thread; ops/s = verifications/s).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class FreshKeyVerification {
  private static final int KEYS = 4096;

  @Param({"bc-lowlevel", "jdk", "bc-jca", "accp", "conscrypt"})
  public String provider;

  private final byte[] data = new byte[600];
  private byte[][] keys;
  private byte[][] signatures;
  private int next;
  private KeyFactory keyFactory;
  private Signature verifier;

  @Setup
  public void setUp() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    Signature signer = Signature.getInstance("SHA256withECDSA");
    keys = new byte[KEYS][];
    signatures = new byte[KEYS][];
    for (int i = 0; i < KEYS; i++) {
      KeyPair pair = generator.generateKeyPair();
      signer.initSign(pair.getPrivate());
      signer.update(data);
      signatures[i] = signer.sign();
      keys[i] = pair.getPublic().getEncoded();
    }
    Provider jca =
        switch (provider) {
          case "jdk", "bc-lowlevel" -> KeyFactory.getInstance("EC").getProvider();
          case "bc-jca" -> new BouncyCastleProvider();
          case "accp" -> {
            AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
            yield AmazonCorrettoCryptoProvider.INSTANCE;
          }
          case "conscrypt" -> Conscrypt.newProvider();
          default -> throw new IllegalArgumentException(provider);
        };
    keyFactory = KeyFactory.getInstance("EC", jca);
    verifier = Signature.getInstance("SHA256withECDSA", jca);
  }

  /** One verification under a key not seen before (the keys cycle after 4,096). */
  @Benchmark
  public boolean verifyUnderFreshKey() throws GeneralSecurityException {
    int i = next++ & (KEYS - 1);
    if (provider.equals("bc-lowlevel")) {
      return Signatures.verify(
          Signatures.verificationKey(SubjectPublicKeyInfo.getInstance(keys[i])),
          X9ObjectIdentifiers.ecdsa_with_SHA256,
          data,
          signatures[i]);
    }
    verifier.initVerify(keyFactory.generatePublic(new X509EncodedKeySpec(keys[i])));
    verifier.update(data);
    return verifier.verify(signatures[i]);
  }
}
