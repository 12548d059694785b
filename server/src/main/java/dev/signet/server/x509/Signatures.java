package dev.signet.server.x509;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.RSADigestSigner;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Signature checks with BouncyCastle's low-level API. The JCA route costs a provider lookup and a
 * key conversion per call, more than the verification itself, and the issuance pipeline verifies
 * two signatures per certificate (the CSR's, and the token's before release).
 *
 * <p>A key seen once (the CSR's) is verified natively by Amazon Corretto Crypto Provider (AWS-LC)
 * where its library loads (Linux x86-64): BouncyCastle spends most of its time on such a key in
 * field arithmetic that AWS-LC does about ten times faster (bench: FreshKeyVerification). A key
 * verified again and again (a CA's) stays with BouncyCastle, whose precomputed tables make that
 * cheap.
 */
public final class Signatures {
  private static final Logger LOG = Logger.getLogger(Signatures.class.getName());
  private static final Optional<Provider> NATIVE = nativeProvider();

  /** The JCA names of the signature algorithms Signet verifies. */
  private static final Map<ASN1ObjectIdentifier, String> JCA_NAMES =
      Map.of(
          X9ObjectIdentifiers.ecdsa_with_SHA256, "SHA256withECDSA",
          X9ObjectIdentifiers.ecdsa_with_SHA384, "SHA384withECDSA",
          X9ObjectIdentifiers.ecdsa_with_SHA512, "SHA512withECDSA",
          PKCSObjectIdentifiers.sha256WithRSAEncryption, "SHA256withRSA",
          PKCSObjectIdentifiers.sha384WithRSAEncryption, "SHA384withRSA",
          PKCSObjectIdentifiers.sha512WithRSAEncryption, "SHA512withRSA");

  /** The signature algorithms Signet verifies: ECDSA and RSA PKCS#1 v1.5 with SHA-2. */
  private static final Map<ASN1ObjectIdentifier, Supplier<Signer>> VERIFIERS =
      Map.of(
          X9ObjectIdentifiers.ecdsa_with_SHA256,
              () -> new DSADigestSigner(new ECDSASigner(), new SHA256Digest()),
          X9ObjectIdentifiers.ecdsa_with_SHA384,
              () -> new DSADigestSigner(new ECDSASigner(), new SHA384Digest()),
          X9ObjectIdentifiers.ecdsa_with_SHA512,
              () -> new DSADigestSigner(new ECDSASigner(), new SHA512Digest()),
          PKCSObjectIdentifiers.sha256WithRSAEncryption,
              () -> new RSADigestSigner(new SHA256Digest()),
          PKCSObjectIdentifiers.sha384WithRSAEncryption,
              () -> new RSADigestSigner(new SHA384Digest()),
          PKCSObjectIdentifiers.sha512WithRSAEncryption,
              () -> new RSADigestSigner(new SHA512Digest()));

  private Signatures() {}

  /**
   * As {@link #verify(AsymmetricKeyParameter, ASN1ObjectIdentifier, byte[], byte[])}, for a key
   * used once: natively where that is available. {@code decoded} is {@code key} as {@link
   * #verificationKey} decoded (and checked) it.
   */
  public static boolean verifyOnce(
      SubjectPublicKeyInfo key,
      AsymmetricKeyParameter decoded,
      ASN1ObjectIdentifier signatureAlgorithm,
      byte[] data,
      byte[] signature) {
    String name = JCA_NAMES.get(signatureAlgorithm);
    if (NATIVE.isEmpty() || name == null) {
      return verify(decoded, signatureAlgorithm, data, signature);
    }
    try {
      Signature check = Signature.getInstance(name, NATIVE.get());
      check.initVerify(
          KeyFactory.getInstance(name.endsWith("RSA") ? "RSA" : "EC", NATIVE.get())
              .generatePublic(new X509EncodedKeySpec(key.getEncoded())));
      check.update(data);
      return check.verify(signature);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Checks signatures under one key, again and again: the CA's key, under which every certificate
   * the token signs is checked before it leaves. Natively where that is available, with a {@link
   * Signature} per thread that holds the key already converted (AWS-LC's precomputation included);
   * with BouncyCastle and its precomputed tables elsewhere.
   */
  public static final class KeyVerifier {
    private final AsymmetricKeyParameter decoded;
    private final ASN1ObjectIdentifier signatureAlgorithm;
    private final ThreadLocal<Signature> natively;

    private KeyVerifier(
        AsymmetricKeyParameter decoded,
        ASN1ObjectIdentifier signatureAlgorithm,
        ThreadLocal<Signature> natively) {
      this.decoded = decoded;
      this.signatureAlgorithm = signatureAlgorithm;
      this.natively = natively;
    }

    /**
     * Whether {@code signature} is valid over {@code data}; false for an algorithm Signet does not
     * verify.
     */
    public boolean verify(byte[] data, byte[] signature) {
      if (natively == null) {
        return Signatures.verify(decoded, signatureAlgorithm, data, signature);
      }
      Signature check = natively.get();
      try {
        check.update(data);
        // verify() leaves the Signature ready for the next check under the same key
        return check.verify(signature);
      } catch (GeneralSecurityException | RuntimeException e) {
        // a failed verify() may leave it mid-way: start the next check afresh
        natively.remove();
        return false;
      }
    }
  }

  /**
   * A verifier of {@code signatureAlgorithm} signatures under {@code key}.
   *
   * @throws IllegalArgumentException if the key cannot be decoded
   */
  public static KeyVerifier keyVerifier(
      SubjectPublicKeyInfo key, ASN1ObjectIdentifier signatureAlgorithm) {
    AsymmetricKeyParameter decoded = verificationKey(key);
    String name = JCA_NAMES.get(signatureAlgorithm);
    if (NATIVE.isEmpty() || name == null) {
      return new KeyVerifier(decoded, signatureAlgorithm, null);
    }
    Provider provider = NATIVE.get();
    PublicKey publicKey;
    try {
      publicKey =
          KeyFactory.getInstance(name.endsWith("RSA") ? "RSA" : "EC", provider)
              .generatePublic(new X509EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("undecodable public key", e);
    }
    return new KeyVerifier(
        decoded,
        signatureAlgorithm,
        ThreadLocal.withInitial(
            () -> {
              try {
                Signature check = Signature.getInstance(name, provider);
                check.initVerify(publicKey);
                return check;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("native " + name + " verification failed", e);
              }
            }));
  }

  /** Whether {@link #verifyOnce} verifies natively in this JVM. */
  public static boolean nativeVerification() {
    return NATIVE.isPresent();
  }

  private static Optional<Provider> nativeProvider() {
    try {
      AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
      return Optional.of(AmazonCorrettoCryptoProvider.INSTANCE);
    } catch (RuntimeException | LinkageError e) {
      LOG.info("native signature verification unavailable, BouncyCastle verifies: " + e);
      return Optional.empty();
    }
  }

  /** Whether Signet can verify signatures of this algorithm. */
  public static boolean supported(ASN1ObjectIdentifier signatureAlgorithm) {
    return VERIFIERS.containsKey(signatureAlgorithm);
  }

  /**
   * A public key ready for verification. Decoding checks the key (an EC point must lie on its
   * curve); a key decoded once and reused also keeps BouncyCastle's precomputed tables.
   *
   * @throws IllegalArgumentException if the key cannot be decoded
   */
  public static AsymmetricKeyParameter verificationKey(SubjectPublicKeyInfo key) {
    try {
      return PublicKeyFactory.createKey(key);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("undecodable public key", e);
    }
  }

  /**
   * Whether {@code signature}, in its X.509 encoding (DER for ECDSA, PKCS#1 v1.5 for RSA), is valid
   * over {@code data} under {@code key}. False for an algorithm Signet does not verify.
   */
  public static boolean verify(
      AsymmetricKeyParameter key,
      ASN1ObjectIdentifier signatureAlgorithm,
      byte[] data,
      byte[] signature) {
    Supplier<Signer> verifier = VERIFIERS.get(signatureAlgorithm);
    if (verifier == null) {
      return false;
    }
    Signer check = verifier.get();
    try {
      check.init(false, key);
      check.update(data, 0, data.length);
      return check.verifySignature(signature);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
