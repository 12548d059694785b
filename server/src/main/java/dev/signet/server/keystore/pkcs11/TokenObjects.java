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
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_KEY_TYPE;
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
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_VALUE_LEN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_VERIFY;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKA_WRAP;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKC_X_509;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_OS_LOCKING_OK;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_RW_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKF_SERIAL_SESSION;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKK_GENERIC_SECRET;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_ECDSA;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_EC_KEY_PAIR_GEN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_GENERIC_SECRET_KEY_GEN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_SHA256_HMAC;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKM_SHA256_RSA_PKCS;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_CERTIFICATE;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_DATA;
import static sun.security.pkcs11.wrapper.PKCS11Constants.CKO_SECRET_KEY;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.TokenException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
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
 * The PKCS#11 calls SunPKCS11's public API cannot make, through the JDK's internal wrapper ({@code
 * sun.security.pkcs11.wrapper}, hence {@code --add-exports} on every launcher). SunPKCS11 selects a
 * token only by slot number, which SoftHSM2 reassigns on every token initialisation and vendors
 * renumber; its key pair generator labels nothing, so a crash leaves keys nobody can find; its key
 * store hides a private key until a certificate with the same CKA_ID exists, so a new CA cannot
 * sign its own certificate through it; and it can neither create a data object (the commit marker
 * of {@code ca.CaSetup}), nor relabel or destroy objects by label. Everything else, login and
 * signing included, goes through the provider ({@link Pkcs11KeyStore}).
 *
 * <p>Its MACs go through here too: SunPKCS11's key store does not hand out a generic secret key it
 * did not make itself.
 *
 * <p>Security: nothing here reads a private or secret key's value; those keys are created
 * sensitive, never extractable and usable only for signing (MACs are signatures in PKCS#11).
 */
final class TokenObjects implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TokenObjects.class.getName());

  private final PKCS11 module;
  private final long slot;

  /** The session for object management; PKCS#11 sessions are not for concurrent use. */
  private final long session;

  private TokenObjects(PKCS11 module, long slot, long session) {
    this.module = module;
    this.slot = slot;
    this.session = session;
  }

  /**
   * Loads the PKCS#11 library, finds the one token {@code tokenUri} names and opens a session with
   * it. The session is logged in once the provider logs in: login is per application in PKCS#11.
   */
  static TokenObjects open(Path library, Pkcs11Uri tokenUri) throws TokenException {
    PKCS11 module = loadModule(library);
    long slot = findSlot(module, library, tokenUri);
    try {
      return new TokenObjects(
          module,
          slot,
          module.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null));
    } catch (PKCS11Exception e) {
      throw new TokenException(
          "cannot open a session with token " + tokenUri + ": " + e.getMessage(), e);
    }
  }

  /** The token's slot, as the provider configuration needs it. */
  long slot() {
    return slot;
  }

  /**
   * Generates a key pair inside the token as token objects: the private key sensitive,
   * non-extractable and usable only for signing. Both halves carry {@code label} as CKA_LABEL and
   * CKA_ID, so that they can always be found again (and removed).
   */
  synchronized GeneratedKeyPair generateKeyPair(String label, KeyAlgorithm algorithm)
      throws TokenException {
    byte[] id = label.getBytes(StandardCharsets.UTF_8);
    List<CK_ATTRIBUTE> publicTemplate =
        new ArrayList<>(
            List.of(
                new CK_ATTRIBUTE(CKA_TOKEN, true),
                new CK_ATTRIBUTE(CKA_PRIVATE, false),
                new CK_ATTRIBUTE(CKA_VERIFY, true),
                new CK_ATTRIBUTE(CKA_ENCRYPT, false),
                new CK_ATTRIBUTE(CKA_WRAP, false),
                new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
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
      new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
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
              session, mechanism, publicTemplate.toArray(new CK_ATTRIBUTE[0]), privateTemplate);
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
   * see it (its key store shows a private key only once a certificate with its CKA_ID exists, and
   * this signature is what makes that certificate). Used once per key, for its self-signature.
   *
   * @return the signature in the X.509 encoding of {@code algorithm.signatureAlgorithm()}
   */
  synchronized byte[] signWithNewKey(GeneratedKeyPair pair, byte[] data) throws TokenException {
    KeyAlgorithm algorithm = pair.algorithm();
    try {
      if (algorithm.isRsa()) {
        module.C_SignInit(session, new CK_MECHANISM(CKM_SHA256_RSA_PKCS), pair.privateKeyHandle());
        return module.C_Sign(session, data);
      }
      String digestName = algorithm.bits() == 384 ? "SHA-384" : "SHA-256";
      byte[] digest = MessageDigest.getInstance(digestName).digest(data);
      module.C_SignInit(session, new CK_MECHANISM(CKM_ECDSA), pair.privateKeyHandle());
      byte[] raw = module.C_Sign(session, digest);
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

  /**
   * Generates a 256-bit generic secret key inside the token as a token object, for HMAC-SHA256:
   * private, sensitive, never extractable, usable to sign and verify MACs and nothing else.
   */
  synchronized void generateSecretKey(String label) throws TokenException {
    CK_ATTRIBUTE[] template = {
      new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY),
      new CK_ATTRIBUTE(CKA_KEY_TYPE, CKK_GENERIC_SECRET),
      new CK_ATTRIBUTE(CKA_VALUE_LEN, 32L),
      new CK_ATTRIBUTE(CKA_TOKEN, true),
      new CK_ATTRIBUTE(CKA_PRIVATE, true),
      new CK_ATTRIBUTE(CKA_SENSITIVE, true),
      new CK_ATTRIBUTE(CKA_EXTRACTABLE, false),
      new CK_ATTRIBUTE(CKA_SIGN, true),
      new CK_ATTRIBUTE(CKA_VERIFY, true),
      new CK_ATTRIBUTE(CKA_ENCRYPT, false),
      new CK_ATTRIBUTE(CKA_DECRYPT, false),
      new CK_ATTRIBUTE(CKA_WRAP, false),
      new CK_ATTRIBUTE(CKA_UNWRAP, false),
      new CK_ATTRIBUTE(CKA_DERIVE, false),
      new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
      new CK_ATTRIBUTE(CKA_ID, label.getBytes(StandardCharsets.UTF_8)),
    };
    try {
      module.C_GenerateKey(session, new CK_MECHANISM(CKM_GENERIC_SECRET_KEY_GEN), template);
    } catch (PKCS11Exception e) {
      throw new TokenException("the token could not generate the secret key '" + label + "'", e);
    }
  }

  /** The handle of the secret key labelled {@code label}, if there is one. */
  synchronized OptionalLong secretKey(String label) throws TokenException {
    List<Long> handles =
        find(
            new CK_ATTRIBUTE[] {
              new CK_ATTRIBUTE(CKA_CLASS, CKO_SECRET_KEY),
              new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())
            });
    return handles.isEmpty() ? OptionalLong.empty() : OptionalLong.of(handles.get(0));
  }

  /** The HMAC-SHA256 of {@code data} under the secret key {@code handle}. */
  synchronized byte[] hmacSha256(long handle, byte[] data) throws TokenException {
    try {
      module.C_SignInit(session, new CK_MECHANISM(CKM_SHA256_HMAC), handle);
      return module.C_Sign(session, data);
    } catch (PKCS11Exception e) {
      throw new TokenException("the token could not compute an HMAC-SHA256", e);
    }
  }

  /** Stores a certificate as a public token object labelled like its key pair. */
  synchronized void storeCertificate(String label, X509Certificate certificate)
      throws TokenException {
    try {
      CK_ATTRIBUTE[] template = {
        new CK_ATTRIBUTE(CKA_CLASS, CKO_CERTIFICATE),
        new CK_ATTRIBUTE(CKA_CERTIFICATE_TYPE, CKC_X_509),
        new CK_ATTRIBUTE(CKA_TOKEN, true),
        new CK_ATTRIBUTE(CKA_PRIVATE, false),
        new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
        new CK_ATTRIBUTE(CKA_ID, label.getBytes(StandardCharsets.UTF_8)),
        new CK_ATTRIBUTE(CKA_SUBJECT, certificate.getSubjectX500Principal().getEncoded()),
        new CK_ATTRIBUTE(CKA_ISSUER, certificate.getIssuerX500Principal().getEncoded()),
        new CK_ATTRIBUTE(
            CKA_SERIAL_NUMBER, new ASN1Integer(certificate.getSerialNumber()).getEncoded()),
        new CK_ATTRIBUTE(CKA_VALUE, certificate.getEncoded()),
      };
      module.C_CreateObject(session, template);
    } catch (PKCS11Exception | GeneralSecurityException | IOException e) {
      throw new TokenException("cannot store the certificate '" + label + "' in the token", e);
    }
  }

  /** Creates an empty public data object labelled {@code label}. */
  synchronized void createMarker(String label) throws TokenException {
    try {
      module.C_CreateObject(
          session,
          new CK_ATTRIBUTE[] {
            new CK_ATTRIBUTE(CKA_CLASS, CKO_DATA),
            new CK_ATTRIBUTE(CKA_TOKEN, true),
            new CK_ATTRIBUTE(CKA_PRIVATE, false),
            new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray()),
          });
    } catch (PKCS11Exception e) {
      throw new TokenException("cannot create marker object '" + label + "'", e);
    }
  }

  /** The labels of all objects of the token, one per object (duplicates possible). */
  synchronized List<String> labels() throws TokenException {
    List<String> labels = new ArrayList<>();
    for (long handle : find(new CK_ATTRIBUTE[0])) {
      CK_ATTRIBUTE[] query = {new CK_ATTRIBUTE(CKA_LABEL)};
      try {
        module.C_GetAttributeValue(session, handle, query);
        char[] value = query[0].getCharArray();
        labels.add(value == null ? "" : new String(value));
      } catch (PKCS11Exception e) {
        throw new TokenException("cannot read an object label", e);
      }
    }
    return labels;
  }

  /**
   * Sets CKA_LABEL (and CKA_ID, which pairs a private key with its certificate, where the object
   * has one) of every object labelled {@code from} to {@code to}.
   */
  synchronized void relabel(String from, String to) throws TokenException {
    for (long handle : labelled(from)) {
      CK_ATTRIBUTE[] label = {new CK_ATTRIBUTE(CKA_LABEL, to.toCharArray())};
      CK_ATTRIBUTE[] id = {new CK_ATTRIBUTE(CKA_ID, to.getBytes(StandardCharsets.UTF_8))};
      try {
        module.C_SetAttributeValue(session, handle, hasId(handle) ? concat(label, id) : label);
      } catch (PKCS11Exception e) {
        throw new TokenException("cannot label object '" + from + "' as '" + to + "'", e);
      }
    }
  }

  /** Destroys every object labelled {@code label}. */
  synchronized void destroy(String label) throws TokenException {
    for (long handle : labelled(label)) {
      try {
        module.C_DestroyObject(session, handle);
      } catch (PKCS11Exception e) {
        throw new TokenException("cannot destroy token object '" + label + "'", e);
      }
    }
  }

  @Override
  public synchronized void close() {
    try {
      module.C_CloseSession(session);
    } catch (PKCS11Exception e) {
      // the session is gone either way
    }
  }

  private List<Long> labelled(String label) throws TokenException {
    return find(new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_LABEL, label.toCharArray())});
  }

  /** Whether the object has a CKA_ID at all: keys and certificates do, data objects do not. */
  private boolean hasId(long handle) {
    try {
      module.C_GetAttributeValue(session, handle, new CK_ATTRIBUTE[] {new CK_ATTRIBUTE(CKA_ID)});
      return true;
    } catch (PKCS11Exception e) {
      return false;
    }
  }

  private static CK_ATTRIBUTE[] concat(CK_ATTRIBUTE[] a, CK_ATTRIBUTE[] b) {
    CK_ATTRIBUTE[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private List<Long> find(CK_ATTRIBUTE[] template) throws TokenException {
    List<Long> handles = new ArrayList<>();
    try {
      module.C_FindObjectsInit(session, template);
      try {
        for (long[] batch = module.C_FindObjects(session, 64);
            batch.length > 0;
            batch = module.C_FindObjects(session, 64)) {
          for (long handle : batch) {
            handles.add(handle);
          }
        }
      } finally {
        module.C_FindObjectsFinal(session);
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
        module.C_GetAttributeValue(session, handle, query);
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
      module.C_GetAttributeValue(session, handle, query);
      return KeyFactory.getInstance("RSA")
          .generatePublic(new RSAPublicKeySpec(query[0].getBigInteger(), query[1].getBigInteger()));
    } catch (PKCS11Exception | GeneralSecurityException | IOException | RuntimeException e) {
      throw new TokenException("cannot read the public key the token generated", e);
    }
  }

  private void destroyQuietly(long handle) {
    try {
      module.C_DestroyObject(session, handle);
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

  private static String text(char[] padded) {
    return padded == null ? "" : new String(padded).strip();
  }

  /** Destroys the two halves of a key pair made by {@link #generateKeyPair}. */
  synchronized void destroy(GeneratedKeyPair pair) {
    destroyQuietly(pair.publicKeyHandle());
    destroyQuietly(pair.privateKeyHandle());
  }

  /** A key pair the token just generated: object handles and the public half. */
  record GeneratedKeyPair(
      long publicKeyHandle, long privateKeyHandle, PublicKey publicKey, KeyAlgorithm algorithm) {}
}
