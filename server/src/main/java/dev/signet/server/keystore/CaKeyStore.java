package dev.signet.server.keystore;

import dev.signet.common.KeyAlgorithm;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Where Signet's private keys live: the CA keys and the audit key, each a key pair with a
 * certificate that names it, stored under a label. Keys are made inside the store and never leave
 * it; callers get a {@link SigningKey} that signs with them.
 *
 * <p>These are the only operations the CA code needs: find a key, generate one, move a set of
 * objects from one label to another, destroy them, list what is there, and leave a marker. {@code
 * ca.CaSetup} builds its all-or-nothing creation of CAs on exactly these. Two implementations pass
 * one contract suite: {@code pkcs11.Pkcs11KeyStore} (a PKCS#11 token through SunPKCS11) and, for
 * tests, an in-memory one.
 *
 * <p>A new key purpose (a service-account JWT signing key, say) is a label and a certificate
 * subject: {@code signetd init} generates it beside the others, and {@link #find} returns its
 * {@link SigningKey}. A secret key for MACs (which binds the ledger rows that grant power to the
 * token, see {@code ledger.RowSeals}) has a generate and a find of its own.
 */
public interface CaKeyStore extends AutoCloseable {

  /** A usable key: what signs with it, and the certificate stored with it. */
  record StoredKey(String label, X509Certificate certificate, SigningKey key) {
    @Override
    public String toString() {
      return "StoredKey[" + label + "]";
    }
  }

  /** Makes the certificate of a key pair that was just generated, signing it with that key. */
  @FunctionalInterface
  interface Certifier {
    X509Certificate certify(PublicKey publicKey, SigningKey newKey) throws Exception;
  }

  /** A secret key inside the store that computes MACs; its value never leaves the store. */
  interface MacKey {
    /** The HMAC-SHA256 of {@code data} under this key (32 bytes). */
    byte[] mac(byte[] data) throws SigningException;
  }

  /** What the store is, for messages: {@code token 'signet'}. */
  String description();

  /**
   * The key pair and certificate stored under {@code label}. A label whose certificate is missing
   * is reported as absent: a key is only usable whole.
   */
  Optional<StoredKey> find(String label) throws TokenException;

  /**
   * Generates a key pair of {@code algorithm} inside the store under {@code label} (the private key
   * usable only for signing, never extractable), lets {@code certifier} make its certificate with
   * the new key, and stores that certificate under the same label. If any step fails, nothing is
   * left under the label by this call.
   */
  X509Certificate generate(String label, KeyAlgorithm algorithm, Certifier certifier)
      throws TokenException;

  /** The secret MAC key stored under {@code label}. */
  Optional<MacKey> findMacKey(String label) throws TokenException;

  /**
   * Generates a 256-bit secret key for HMAC-SHA256 inside the store under {@code label}: sensitive,
   * never extractable, usable for MACs only.
   */
  void generateMacKey(String label) throws TokenException;

  /**
   * Creates an empty object under {@code label}: a durable marker whose existence records a
   * decision (such as "this batch of new CAs is committed") in the store itself.
   */
  void mark(String label) throws TokenException;

  /**
   * The labels of all objects in the store, one per object (a key pair is three: two halves and a
   * certificate; a MAC key is one).
   */
  List<String> labels() throws TokenException;

  /** Gives every object labelled {@code from} the label {@code to}. */
  void label(String from, String to) throws TokenException;

  /** Destroys every object labelled {@code label}. */
  void destroy(String label) throws TokenException;

  /** Whether the store can still sign; the first device error marks it failed for good. */
  TokenHealth health();

  @Override
  void close();
}
