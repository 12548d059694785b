package dev.signet.server.keystore.pkcs11;

import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CERTIFICATE_TYPE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_CLASS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_DECRYPT;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_DERIVE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_EC_PARAMS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_EC_POINT;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_ENCRYPT;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_EXTRACTABLE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_ID;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_ISSUER;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_LABEL;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_MODULUS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_MODULUS_BITS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_PRIVATE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_PUBLIC_EXPONENT;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_SENSITIVE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_SERIAL_NUMBER;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_SIGN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_SUBJECT;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_TOKEN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_UNWRAP;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_VERIFY;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_WRAP;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKC_X_509;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_OS_LOCKING_OK;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_RW_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_SERIAL_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_ECDSA;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_EC_KEY_PAIR_GEN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_SHA256_RSA_PKCS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_CERTIFICATE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_DATA;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.TokenException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import sun.security.pkcs11.wrapper.CK_ATTRIBUTE;
import sun.security.pkcs11.wrapper.CK_C_INITIALIZE_ARGS;
import sun.security.pkcs11.wrapper.CK_MECHANISM;
import sun.security.pkcs11.wrapper.CK_TOKEN_INFO;
import sun.security.pkcs11.wrapper.PKCS11;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/**
 * One PKCS#11 token, found by its label and logged in once.
 *
 * <p>Two layers of the JDK's PKCS#11 support are used, each for what it does well. The SunPKCS11
 * provider signs certificates at run time (its sessions are pooled and thread-safe), and its {@link
 * KeyStore} finds keys by label. The low-level wrapper underneath it does what the provider cannot:
 * select the token by label (SunPKCS11 only knows slot numbers, which SoftHSM2 reassigns on every
 * token initialisation), and create, label, find and destroy objects with exact attributes, so that
 * CA keys are born sensitive and non-extractable and a failed CA creation leaves nothing behind.
 *
 * <p>Security: private keys never leave the token; nothing here reads a private key attribute, and
 * the PIN is used for one {@code C_Login} and then wiped.
 */
public final class Pkcs11Token implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Pkcs11Token.class.getName());

  private final PKCS11 module;
  private final long slot;
  private final String label;
  private final Provider provider;
  private final KeyStore keyStore;

  /** The session for object management; PKCS#11 sessions are not for concurrent use. */
  private final long managementSession;

  private Pkcs11Token(
      PKCS11 module, long slot, String label, Provider provider, KeyStore keyStore, long session) {
    this.module = module;
    this.slot = slot;
    this.label = label;
    this.provider = provider;
    this.keyStore = keyStore;
    this.managementSession = session;
  }

  /**
   * Loads the PKCS#11 library, finds the one token {@code tokenUri} names and logs in with {@code
   * pin}, exactly once: a wrong PIN is reported, never retried, because real HSMs lock a PIN after
   * a few failures. The caller wipes {@code pin} afterwards.
   */
  public static Pkcs11Token open(
      Path library, Pkcs11Uri tokenUri, char[] pin, Optional<Path> providerTemplate)
      throws TokenException {
    PKCS11 module = loadModule(library);
    long slot = findSlot(module, library, tokenUri);
    String label = tokenUri.token().orElse("");
    long session;
    try {
      session = module.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null);
    } catch (PKCS11Exception e) {
      throw new TokenException(
          "cannot open a session with token " + tokenUri + ": " + e.getMessage(), e);
    }
    try {
      module.C_Login(session, CKU_USER, pin);
    } catch (PKCS11Exception e) {
      if (e.getErrorCode() == PKCS11Exception.CKR_PIN_INCORRECT) {
        closeQuietly(module, session);
        throw new WrongPinException(tokenUri);
      }
      if (e.getErrorCode() != PKCS11Exception.CKR_USER_ALREADY_LOGGED_IN) {
        closeQuietly(module, session);
        throw new TokenException("login to token " + tokenUri + " failed: " + e.getMessage(), e);
      }
    }
    Provider provider;
    try {
      provider = configureProvider(providerTemplate, library, slot);
    } catch (TokenException e) {
      closeQuietly(module, session);
      throw e;
    }
    KeyStore keyStore;
    try {
      keyStore = KeyStore.getInstance("PKCS11", provider);
      // Already logged in above (login is per application in PKCS#11), so the key store is
      // loaded without a PIN and the provider does not log in a second time.
      keyStore.load(null, null);
    } catch (GeneralSecurityException | IOException e) {
      closeQuietly(module, session);
      throw new TokenException("cannot read the objects of token " + tokenUri, e);
    }
    LOG.info(() -> "logged in to token " + tokenUri + " (slot " + slot + ")");
    return new Pkcs11Token(module, slot, label, provider, keyStore, session);
  }

  /** The JCA provider bound to this token, for {@link java.security.Signature} instances. */
  public Provider provider() {
    return provider;
  }

  public String label() {
    return label;
  }

  /**
   * The key pair and certificate stored under {@code objectLabel}, if the token has all three. A
   * label whose certificate is missing is reported as absent: a CA is only usable whole.
   */
  public synchronized Optional<TokenKey> findKey(String objectLabel) throws TokenException {
    try {
      if (!keyStore.isKeyEntry(objectLabel)) {
        return Optional.empty();
      }
      PrivateKey privateKey = (PrivateKey) keyStore.getKey(objectLabel, null);
      Certificate[] chain = keyStore.getCertificateChain(objectLabel);
      if (privateKey == null || chain == null || chain.length == 0) {
        return Optional.empty();
      }
      return Optional.of(new TokenKey(objectLabel, privateKey, (X509Certificate) chain[0]));
    } catch (GeneralSecurityException e) {
      throw new TokenException("cannot read key '" + objectLabel + "' from the token", e);
    }
  }

  /** Re-reads the token's objects after they were created, relabelled or destroyed. */
  public synchronized void refresh() throws TokenException {
    try {
      keyStore.load(null, null);
    } catch (GeneralSecurityException | IOException e) {
      throw new TokenException("cannot re-read the objects of the token", e);
    }
  }

  /**
   * Generates a key pair inside the token as token objects: the private key sensitive,
   * non-extractable and usable only for signing. Both halves carry {@code objectLabel} as CKA_LABEL
   * and CKA_ID, so that they can always be found again (and removed).
   */
  public synchronized GeneratedKeyPair generateKeyPair(String objectLabel, KeyAlgorithm algorithm)
      throws TokenException {
    byte[] id = objectLabel.getBytes(StandardCharsets.UTF_8);
    List<CK_ATTRIBUTE> publicTemplate =
        new ArrayList<>(
            List.of(
                new CK_ATTRIBUTE(CKA_TOKEN, true),
                new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_VERIFY, true),
                new CK_ATTRIBUTE(CKA_ENCRYPT, false),
                new CK_ATTRIBUTE(CKA_WRAP, false),
                new CK_ATTRIBUTE(CKA_LABEL, objectLabel.toCharArray()),
                new CK_ATTRIBUTE(CKA_ID, id)));
    CK_ATTRIBUTE[] privateTemplate = {
      new CK_ATTRIBUTE(CKA_TOKEN, true),
      new CK_ATTRIBUTE(CKA_PRIVATE, true),
      new CK_ATTRIBUTE(CKA_SENSITIVE, true),
      new CK_ATTRIBUTE(CKA_EXTRACTABLE, false),
      new CK_ATTRIBUTE(CKA_SIGN, true),
      new CK_ATTRIBUTE(CKA_DECRYPT, false),
      new CK_ATTRIBUTE(CKA_UNWRAP, false),
      new CK_ATTRIBUTE(CKA_DERIVE, false),
      new CK_ATTRIBUTE(CKA_LABEL, objectLabel.toCharArray()),
      new CK_ATTRIBUTE(CKA_ID, id),
    };
    CK_MECHANISM mechanism;
    if (algorithm.isEc()) {
      mechanism = new CK_MECHANISM(CKM_EC_KEY_PAIR_GEN);
      publicTemplate.add(new CK_ATTRIBUTE(CKA_EC_PARAMS, curveParameters(algorithm)));
    } else {
      mechanism = new CK_MECHANISM(CKM_RSA_PKCS_KEY_PAIR_GEN);
      publicTemplate.add(new CK_ATTRIBUTE(CKA_MODULUS_BITS, (long) algorithm.bits()));
      publicTemplate.add(new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537)));
    }
    long[] handles;
    try {
      handles =
          module.C_GenerateKeyPair(
              managementSession,
              mechanism,
              publicTemplate.toArray(new CK_ATTRIBUTE[0]),
              privateTemplate);
    } catch (PKCS11Exception e) {
      throw new TokenException("the token could not generate a " + algorithm + " key pair", e);
    }
    try {
      return new GeneratedKeyPair(
          handles[0], handles[1], readPublicKey(handles[0], algorithm), algorithm);
    } catch (TokenException e) {
      destroyQuietly(handles[0]);
      destroyQuietly(handles[1]);
      throw e;
    }
  }

  /**
   * Signs {@code data} with a key pair made by {@link #generateKeyPair}, before the provider can
   * see it (the provider's key store shows a private key only once a certificate with its CKA_ID
   * exists, and this signature is what makes that certificate). Used once per CA, for its
   * self-signature; everything else signs through {@link #provider()}.
   *
   * @return the signature in the X.509 encoding of {@code algorithm.signatureAlgorithm()}
   */
  public synchronized byte[] signWithNewKey(GeneratedKeyPair pair, byte[] data)
      throws TokenException {
    KeyAlgorithm algorithm = pair.algorithm();
    try {
      if (algorithm.isRsa()) {
        module.C_SignInit(
            managementSession, new CK_MECHANISM(CKM_SHA256_RSA_PKCS), pair.privateKeyHandle());
        return module.C_Sign(managementSession, data);
      }
      String digestName = algorithm.bits() == 384 ? "SHA-384" : "SHA-256";
      byte[] digest = MessageDigest.getInstance(digestName).digest(data);
      module.C_SignInit(managementSession, new CK_MECHANISM(CKM_ECDSA), pair.privateKeyHandle());
      byte[] raw = module.C_Sign(managementSession, digest);
      int half = raw.length / 2;
      return new DERSequence(
              new org.bouncycastle.asn1.ASN1Encodable[] {
                new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 0, half))),
                new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, half, raw.length)))
              })
          .getEncoded();
    } catch (PKCS11Exception | GeneralSecurityException | IOException e) {
      throw new TokenException("the token could not sign with the new " + algorithm + " key", e);
    }
  }

  /** Stores a certificate as a public token object labelled like its key pair. */
  public synchronized long storeCertificate(String objectLabel, X509Certificate certificate)
      throws TokenException {
    try {
      CK_ATTRIBUTE[] template = {
        new CK_ATTRIBUTE(CKA_CLASS, CKO_CERTIFICATE),
        new CK_ATTRIBUTE(CKA_CERTIFICATE_TYPE, CKC_X_509),
        new CK_ATTRIBUTE(CKA_TOKEN, true),
        new CK_ATTRIBUTE(CKA_PRIVATE, false),
        new CK_ATTRIBUTE(CKA_LABEL, objectLabel.toCharArray()),
        new CK_ATTRIBUTE(CKA_ID, objectLabel.getBytes(StandardCharsets.UTF_8)),
        new CK_ATTRIBUTE(CKA_SUBJECT, certificate.getSubjectX500Principal().getEncoded()),
        new CK_ATTRIBUTE(CKA_ISSUER, certificate.getIssuerX500Principal().getEncoded()),
        new CK_ATTRIBUTE(
            CKA_SERIAL_NUMBER, new ASN1Integer(certificate.getSerialNumber()).getEncoded()),
        new CK_ATTRIBUTE(CKA_VALUE, certificate.getEncoded()),
      };
      return module.C_CreateObject(managementSession, template);
    } catch (PKCS11Exception | GeneralSecurityException | IOException e) {
      throw new TokenException(
          "cannot store the certificate '" + objectLabel + "' in the token", e);
    }
  }

  /**
   * Creates an empty public data object: a durable marker whose existence records a decision (such
   * as "this batch of new CAs is committed") in the token itself.
   */
  public synchronized long createMarker(String objectLabel) throws TokenException {
    try {
      return module.C_CreateObject(
          managementSession,
          new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_DATA),
            new CK_ATTRIBUTE(CKA_TOKEN, true),
            new CK_ATTRIBUTE(CKA_PRIVATE, false),
            new CK_ATTRIBUTE(CKA_LABEL, objectLabel.toCharArray()),
          });
    } catch (PKCS11Exception e) {
      throw new TokenException("cannot create marker object '" + objectLabel + "'", e);
    }
  }

  /** Every object (key or certificate) whose CKA_LABEL is exactly {@code objectLabel}. */
  public synchronized List<Long> findObjects(String objectLabel) throws TokenException {
    return find(new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_LABEL, objectLabel.toCharArray())});
  }

  /** The labels of all objects of the token, one per object (duplicates possible). */
  public synchronized List<String> objectLabels() throws TokenException {
    List<String> labels = new ArrayList<>();
    for (long handle : find(new CK_ATTRIBUTE[0])) {
      CK_ATTRIBUTE[] query = {new CK_ATTRIBUTE(CKA_LABEL)};
      try {
        module.C_GetAttributeValue(managementSession, handle, query);
        char[] value = query[0].getCharArray();
        labels.add(value == null ? "" : new String(value));
      } catch (PKCS11Exception e) {
        throw new TokenException("cannot read an object label", e);
      }
    }
    return labels;
  }

  /** Sets CKA_LABEL and CKA_ID of an object, the last step that makes a new CA visible. */
  public synchronized void relabel(long handle, String objectLabel) throws TokenException {
    try {
      module.C_SetAttributeValue(
          managementSession,
          handle,
          new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_LABEL, objectLabel.toCharArray()),
            new CK_ATTRIBUTE(CKA_ID, objectLabel.getBytes(StandardCharsets.UTF_8)),
          });
    } catch (PKCS11Exception e) {
      throw new TokenException("cannot label object as '" + objectLabel + "'", e);
    }
  }

  /** Destroys one object. */
  public synchronized void destroy(long handle) throws TokenException {
    try {
      module.C_DestroyObject(managementSession, handle);
    } catch (PKCS11Exception e) {
      throw new TokenException("cannot destroy a token object", e);
    }
  }

  /**
   * Reads one attribute of a private key object the way any PKCS#11 application could: a Boolean
   * for flags, a byte array for values. Exists so that tests can show what the token says about its
   * keys, and that it refuses to reveal their values (CKR_ATTRIBUTE_SENSITIVE).
   */
  public synchronized Object privateKeyAttribute(String objectLabel, long attribute)
      throws PKCS11Exception, TokenException {
    List<Long> handles =
        find(
            new CK_ATTRIBUTE[] {
              new CK_ATTRIBUTE(CKA_CLASS, CKO_PRIVATE_KEY),
              new CK_ATTRIBUTE(CKA_LABEL, objectLabel.toCharArray())
            });
    if (handles.size() != 1) {
      throw new TokenException("expected one private key labelled '" + objectLabel + "'", null);
    }
    CK_ATTRIBUTE[] query = {new CK_ATTRIBUTE(attribute)};
    module.C_GetAttributeValue(managementSession, handles.get(0), query);
    return query[0].pValue;
  }

  /** Whether the token still answers; a cheap call that fails once the device is gone. */
  public boolean isResponding() {
    try {
      module.C_GetTokenInfo(slot);
      return true;
    } catch (PKCS11Exception e) {
      return false;
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly(module, managementSession);
  }

  @Override
  public String toString() {
    return "Pkcs11Token[" + label + ", slot " + slot + "]";
  }

  private List<Long> find(CK_ATTRIBUTE[] template) throws TokenException {
    List<Long> handles = new ArrayList<>();
    try {
      module.C_FindObjectsInit(managementSession, template);
      try {
        for (long[] batch = module.C_FindObjects(managementSession, 64);
            batch.length > 0;
            batch = module.C_FindObjects(managementSession, 64)) {
          for (long handle : batch) {
            handles.add(handle);
          }
        }
      } finally {
        module.C_FindObjectsFinal(managementSession);
      }
    } catch (PKCS11Exception e) {
      throw new TokenException("cannot search the token's objects", e);
    }
    return handles;
  }

  private PublicKey readPublicKey(long handle, KeyAlgorithm algorithm) throws TokenException {
    try {
      if (algorithm.isEc()) {
        CK_ATTRIBUTE[] query = {new CK_ATTRIBUTE(CKA_EC_POINT)};
        module.C_GetAttributeValue(managementSession, handle, query);
        // CKA_EC_POINT is the DER OCTET STRING around the uncompressed point (PKCS#11 §2.3.3).
        byte[] point = ASN1OctetString.getInstance(query[0].getByteArray()).getOctets();
        SubjectPublicKeyInfo info =
            new SubjectPublicKeyInfo(
                new AlgorithmIdentifier(
                    X9ObjectIdentifiers.id_ecPublicKey,
                    new ASN1ObjectIdentifier(algorithm.curveOid())),
                point);
        return KeyFactory.getInstance("EC")
            .generatePublic(new X509EncodedKeySpec(info.getEncoded()));
      }
      CK_ATTRIBUTE[] query = {new CK_ATTRIBUTE(CKA_MODULUS), new CK_ATTRIBUTE(CKA_PUBLIC_EXPONENT)};
      module.C_GetAttributeValue(managementSession, handle, query);
      return KeyFactory.getInstance("RSA")
          .generatePublic(new RSAPublicKeySpec(query[0].getBigInteger(), query[1].getBigInteger()));
    } catch (PKCS11Exception | GeneralSecurityException | IOException | RuntimeException e) {
      throw new TokenException("cannot read the public key the token generated", e);
    }
  }

  private void destroyQuietly(long handle) {
    try {
      module.C_DestroyObject(managementSession, handle);
    } catch (PKCS11Exception e) {
      LOG.warning("could not destroy token object " + handle + ": " + e.getMessage());
    }
  }

  private static byte[] curveParameters(KeyAlgorithm algorithm) {
    try {
      return new ASN1ObjectIdentifier(algorithm.curveOid()).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static PKCS11 loadModule(Path library) throws TokenException {
    CK_C_INITIALIZE_ARGS arguments = new CK_C_INITIALIZE_ARGS();
    // The first C_Initialize in a JVM wins for every later user of the library, the SunPKCS11
    // provider included. Without CKF_OS_LOCKING_OK, SoftHSM2 turns its own locking off and the
    // provider's concurrent signatures would race.
    arguments.flags = CKF_OS_LOCKING_OK;
    try {
      return PKCS11.getInstance(library.toString(), "C_GetFunctionList", arguments, false);
    } catch (IOException | PKCS11Exception e) {
      throw new TokenException(
          "cannot load the PKCS#11 library " + library + ": " + e.getMessage(), e);
    }
  }

  private static long findSlot(PKCS11 module, Path library, Pkcs11Uri tokenUri)
      throws TokenException {
    List<Long> matches = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    try {
      for (long slot : module.C_GetSlotList(true)) {
        CK_TOKEN_INFO info = module.C_GetTokenInfo(slot);
        String tokenLabel = text(info.label);
        seen.add("'" + tokenLabel + "'");
        if (tokenUri.matchesToken(
            tokenLabel, text(info.serialNumber), text(info.manufacturerID), text(info.model))) {
          matches.add(slot);
        }
      }
    } catch (PKCS11Exception e) {
      throw new TokenException("cannot list the tokens of " + library + ": " + e.getMessage(), e);
    }
    if (matches.isEmpty()) {
      throw new TokenException(
          "no token matches "
              + tokenUri
              + " in "
              + library
              + " (tokens present: "
              + (seen.isEmpty() ? "none" : String.join(", ", seen))
              + "); for SoftHSM2, check SOFTHSM2_CONF and run hsm-config/create-softhsm-token.sh",
          null);
    }
    if (matches.size() > 1) {
      throw new TokenException(
          matches.size() + " tokens match " + tokenUri + "; add serial=... to the URI", null);
    }
    return matches.get(0);
  }

  private static Provider configureProvider(Optional<Path> template, Path library, long slot)
      throws TokenException {
    String text;
    try {
      if (template.isPresent()) {
        text = Files.readString(template.get());
      } else {
        try (InputStream in = Pkcs11Token.class.getResourceAsStream("sunpkcs11.cfg.template")) {
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
    } catch (IOException e) {
      throw new TokenException(
          "cannot read the SunPKCS11 configuration template: " + e.getMessage(), e);
    }
    // "--" marks inline configuration text rather than a file name (JDK 9+).
    String configuration =
        "--" + text.replace("@LIBRARY@", library.toString()).replace("@SLOT@", Long.toString(slot));
    try {
      return Security.getProvider("SunPKCS11").configure(configuration);
    } catch (RuntimeException e) {
      throw new TokenException(
          "SunPKCS11 cannot use slot " + slot + " of " + library + ": " + e.getMessage(), e);
    }
  }

  private static String text(char[] padded) {
    return padded == null ? "" : new String(padded).strip();
  }

  private static void closeQuietly(PKCS11 module, long session) {
    try {
      module.C_CloseSession(session);
    } catch (PKCS11Exception e) {
      // the session is gone either way
    }
  }

  /** A key pair the token just generated: object handles and the public half. */
  public record GeneratedKeyPair(
      long publicKeyHandle, long privateKeyHandle, PublicKey publicKey, KeyAlgorithm algorithm) {}

  /**
   * A usable CA key: the provider's handle to the private key (not its value) and the certificate
   * stored with it.
   */
  public record TokenKey(String label, PrivateKey privateKey, X509Certificate certificate) {
    @Override
    public String toString() {
      return "TokenKey[" + label + "]";
    }
  }
}
