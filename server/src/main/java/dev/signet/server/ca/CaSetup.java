package dev.signet.server.ca;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.keystore.pkcs11.Pkcs11Token;
import dev.signet.server.support.Faults;
import dev.signet.server.x509.SerialNumbers;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Creates CAs in the token, all the missing ones or none, even across a crash.
 *
 * <p>A batch of new CAs is first built under temporary labels ({@code signet-pending:<batch>:
 * <label>}): key pair, self-signature, certificate. Then a marker object {@code
 * signet-commit:<batch>} is created: that single, atomic object creation is the commit point. Only
 * then are the objects given their final labels. On every run, leftovers of an earlier run are
 * settled first: a batch without its marker is destroyed (it never committed), a batch with its
 * marker is finished (it did). Nothing is ever half there: no orphan key, no key without its
 * certificate, no CA without its siblings (spire#5497 is the cautionary tale).
 */
public final class CaSetup {
  private static final Logger LOG = Logger.getLogger(CaSetup.class.getName());
  static final String PENDING_PREFIX = "signet-pending:";
  static final String COMMIT_PREFIX = "signet-commit:";

  /** What {@link #ensure} did. */
  public record Result(List<String> created, List<String> existing, List<String> settled) {}

  /** A key to have in the token: its certificate's CN, and whether it is a CA. */
  public record KeySpec(String commonName, boolean authority) {
    public static KeySpec ca(String commonName) {
      return new KeySpec(commonName, true);
    }
  }

  private final Pkcs11Token token;
  private final Clock clock;
  private final SerialNumbers serials;
  private final SecureRandom random;
  private final Consumer<String> afterEachNewCa;

  public CaSetup(Pkcs11Token token, Clock clock, SecureRandom random) {
    this(token, clock, random, label -> {});
  }

  /** For tests: {@code afterEachNewCa} runs after each pending CA is built, and may throw. */
  CaSetup(Pkcs11Token token, Clock clock, SecureRandom random, Consumer<String> afterEachNewCa) {
    this.token = token;
    this.clock = clock;
    this.serials = new SerialNumbers(random);
    this.random = random;
    this.afterEachNewCa = afterEachNewCa;
  }

  /**
   * Makes sure a key with its certificate exists under each label of {@code wanted}, creating the
   * missing ones as one batch with keys of {@code algorithm}.
   */
  public Result ensure(
      Map<String, KeySpec> wanted, KeyAlgorithm algorithm, Duration validity, Duration backdate)
      throws TokenException {
    List<String> settled = settleEarlierBatches();
    List<String> existing = new ArrayList<>();
    Map<String, KeySpec> missing = new LinkedHashMap<>();
    for (Map.Entry<String, KeySpec> entry : wanted.entrySet()) {
      String label = entry.getKey();
      if (token.findKey(label).isPresent()) {
        existing.add(label);
      } else if (!token.findObjects(label).isEmpty()) {
        throw new TokenException(
            "the token has objects labelled '"
                + label
                + "' that do not form a CA (a key pair with its certificate); remove them or"
                + " configure another label",
            null);
      } else {
        missing.put(label, entry.getValue());
      }
    }
    if (!missing.isEmpty()) {
      createBatch(missing, algorithm, validity, backdate);
    }
    return new Result(List.copyOf(missing.keySet()), existing, settled);
  }

  private void createBatch(
      Map<String, KeySpec> missing, KeyAlgorithm algorithm, Duration validity, Duration backdate)
      throws TokenException {
    byte[] id = new byte[6];
    random.nextBytes(id);
    String batch = HexFormat.of().formatHex(id);
    Map<String, List<Long>> objectsByLabel = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, KeySpec> ca : missing.entrySet()) {
        String pending = PENDING_PREFIX + batch + ":" + ca.getKey();
        Pkcs11Token.GeneratedKeyPair pair = token.generateKeyPair(pending, algorithm);
        List<Long> handles =
            new ArrayList<>(List.of(pair.publicKeyHandle(), pair.privateKeyHandle()));
        objectsByLabel.put(ca.getKey(), handles);
        X509Certificate certificate =
            CaCertificates.selfSigned(
                ca.getValue().commonName(),
                ca.getValue().authority(),
                pair.publicKey(),
                algorithm,
                serials.next(),
                clock.instant(),
                validity,
                backdate,
                tbs -> token.signWithNewKey(pair, tbs));
        handles.add(token.storeCertificate(pending, certificate));
        afterEachNewCa.accept(ca.getKey());
        Faults.crashPoint("init.after-pending-ca");
      }
    } catch (Exception e) {
      rollBack(objectsByLabel);
      if (e instanceof TokenException tokenException) {
        throw tokenException;
      }
      throw new TokenException("creating the CAs failed; nothing was kept: " + e.getMessage(), e);
    }
    long marker = token.createMarker(COMMIT_PREFIX + batch);
    Faults.crashPoint("init.after-commit");
    for (Map.Entry<String, List<Long>> ca : objectsByLabel.entrySet()) {
      for (long handle : ca.getValue()) {
        token.relabel(handle, ca.getKey());
      }
    }
    token.destroy(marker);
    token.refresh();
    LOG.info("created CAs " + missing.keySet() + " (" + algorithm + ") in token " + token.label());
  }

  private void rollBack(Map<String, List<Long>> objectsByLabel) {
    for (List<Long> handles : objectsByLabel.values()) {
      for (long handle : handles) {
        try {
          token.destroy(handle);
        } catch (TokenException e) {
          LOG.severe(
              "could not remove a half-made CA object; the next init will: " + e.getMessage());
        }
      }
    }
  }

  /** Finishes committed batches and destroys uncommitted ones left by an interrupted run. */
  private List<String> settleEarlierBatches() throws TokenException {
    List<String> labels = token.objectLabels();
    Set<String> batches = new LinkedHashSet<>();
    for (String label : labels) {
      if (label.startsWith(PENDING_PREFIX)) {
        String rest = label.substring(PENDING_PREFIX.length());
        batches.add(rest.substring(0, Math.max(0, rest.indexOf(':'))));
      } else if (label.startsWith(COMMIT_PREFIX)) {
        batches.add(label.substring(COMMIT_PREFIX.length()));
      }
    }
    List<String> settled = new ArrayList<>();
    for (String batch : batches) {
      boolean committed = labels.contains(COMMIT_PREFIX + batch);
      String prefix = PENDING_PREFIX + batch + ":";
      for (String label : new LinkedHashSet<>(labels)) {
        if (!label.startsWith(prefix)) {
          continue;
        }
        String finalLabel = label.substring(prefix.length());
        for (long handle : token.findObjects(label)) {
          if (committed) {
            token.relabel(handle, finalLabel);
          } else {
            token.destroy(handle);
          }
        }
        settled.add((committed ? "finished " : "removed uncommitted ") + finalLabel);
      }
      for (long marker : token.findObjects(COMMIT_PREFIX + batch)) {
        token.destroy(marker);
      }
    }
    if (!settled.isEmpty()) {
      LOG.warning("settled an interrupted CA creation: " + settled);
      token.refresh();
    }
    return settled;
  }
}
