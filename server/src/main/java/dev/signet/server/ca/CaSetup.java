package dev.signet.server.ca;

import dev.signet.common.KeyAlgorithm;
import dev.signet.server.keystore.CaKeyStore;
import dev.signet.server.keystore.TokenException;
import dev.signet.server.support.Faults;
import dev.signet.server.x509.SerialNumbers;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Creates CAs in the key store, all the missing ones or none, even across a crash.
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

  /** A key to have in the key store: its certificate's CN, and whether it is a CA. */
  public record KeySpec(String commonName, boolean authority) {
    public static KeySpec ca(String commonName) {
      return new KeySpec(commonName, true);
    }
  }

  private final CaKeyStore keys;
  private final Clock clock;
  private final SerialNumbers serials;
  private final SecureRandom random;

  public CaSetup(CaKeyStore keys, Clock clock, SecureRandom random) {
    this.keys = keys;
    this.clock = clock;
    this.serials = new SerialNumbers(random);
    this.random = random;
  }

  /**
   * Makes sure a key with its certificate exists under each label of {@code wanted}, creating the
   * missing ones as one batch with keys of {@code algorithm}.
   */
  public Result ensure(
      Map<String, KeySpec> wanted, KeyAlgorithm algorithm, Duration validity, Duration backdate)
      throws TokenException {
    List<String> settled = settleEarlierBatches();
    List<String> labels = keys.labels();
    List<String> existing = new ArrayList<>();
    Map<String, KeySpec> missing = new LinkedHashMap<>();
    for (Map.Entry<String, KeySpec> entry : wanted.entrySet()) {
      String label = entry.getKey();
      if (keys.find(label).isPresent()) {
        existing.add(label);
      } else if (labels.contains(label)) {
        throw new TokenException(
            keys.description()
                + " has objects labelled '"
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
    List<String> pending = new ArrayList<>();
    try {
      for (Map.Entry<String, KeySpec> ca : missing.entrySet()) {
        String label = PENDING_PREFIX + batch + ":" + ca.getKey();
        pending.add(label);
        keys.generate(
            label,
            algorithm,
            (publicKey, newKey) ->
                CaCertificates.selfSigned(
                    ca.getValue().commonName(),
                    ca.getValue().authority(),
                    publicKey,
                    algorithm,
                    serials.next(),
                    clock.instant(),
                    validity,
                    backdate,
                    newKey::sign));
        Faults.crashPoint("init.after-pending-ca");
      }
    } catch (Exception e) {
      rollBack(pending);
      if (e instanceof TokenException tokenException) {
        throw tokenException;
      }
      throw new TokenException("creating the CAs failed; nothing was kept: " + e.getMessage(), e);
    }
    String marker = COMMIT_PREFIX + batch;
    keys.mark(marker);
    Faults.crashPoint("init.after-commit");
    for (String label : missing.keySet()) {
      keys.label(PENDING_PREFIX + batch + ":" + label, label);
    }
    keys.destroy(marker);
    LOG.info("created CAs " + missing.keySet() + " (" + algorithm + ") in " + keys.description());
  }

  private void rollBack(List<String> pending) {
    for (String label : pending) {
      try {
        keys.destroy(label);
      } catch (TokenException e) {
        LOG.severe("could not remove a half-made CA object; the next init will: " + e.getMessage());
      }
    }
  }

  /** Finishes committed batches and destroys uncommitted ones left by an interrupted run. */
  private List<String> settleEarlierBatches() throws TokenException {
    List<String> labels = keys.labels();
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
        if (committed) {
          keys.label(label, finalLabel);
        } else {
          keys.destroy(label);
        }
        settled.add((committed ? "finished " : "removed uncommitted ") + finalLabel);
      }
      keys.destroy(COMMIT_PREFIX + batch);
    }
    if (!settled.isEmpty()) {
      LOG.warning("settled an interrupted CA creation: " + settled);
    }
    return settled;
  }
}
