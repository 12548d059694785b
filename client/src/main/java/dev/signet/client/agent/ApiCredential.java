package dev.signet.client.agent;

import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.files.Certificates;
import dev.signet.client.files.SafeFiles;
import dev.signet.client.node.Progress;
import dev.signet.client.node.Times;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.Csrs;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The agent's own Signet API credential, the certificate and key of its connection settings. It
 * expires like any certificate, and an expired one cannot renew itself, so the agent renews it on
 * the same schedule with {@code Credentials.RenewApiCredential} (same name and role, a new key made
 * here) and replaces the two files as a pair; the previous pair, still valid, is then deleted
 * rather than kept as backups. The next connection uses the new one.
 */
final class ApiCredential {
  /** Its name in the agent's state and metrics. */
  static final String NAME = "signet-api-credential";

  /**
   * The credential as found: its certificate when readable, and what is wrong with it, if anything.
   */
  record Found(Optional<X509Certificate> certificate, Optional<String> problem) {}

  private final Path certificate;
  private final Path key;

  ApiCredential(Path certificate, Path key) {
    this.certificate = certificate.toAbsolutePath().normalize();
    this.key = key.toAbsolutePath().normalize();
  }

  Path certificateFile() {
    return certificate;
  }

  Path keyFile() {
    return key;
  }

  /**
   * Finishes a replacement of the pair that a crash interrupted, and removes a previous pair that a
   * crash left behind once the current one is whole; returns what it did.
   */
  List<String> repair() throws IOException {
    List<String> done = new ArrayList<>(SafeFiles.recover(certificate, key));
    if (Certificates.pairMatches(certificate, key)) {
      dropPrevious(done);
    }
    return done;
  }

  /**
   * Deletes the previous pair's backups: unlike a component's certificate, the previous credential
   * stays valid until it expires, and its key would let whoever reads it act as this node (the
   * whole line is revoked together, so it also outlives no revocation, but no key should lie around
   * for nothing).
   */
  private void dropPrevious(List<String> done) throws IOException {
    for (Path backup : List.of(SafeFiles.backup(key), SafeFiles.backup(certificate))) {
      if (Files.deleteIfExists(backup)) {
        done.add("removed " + backup + ", the previous credential");
      }
    }
  }

  Found inspect(Instant now) {
    X509Certificate leaf;
    try {
      leaf = Certificates.read(certificate).get(0);
    } catch (NoSuchFileException e) {
      return new Found(Optional.empty(), Optional.of(certificate + " is missing"));
    } catch (IOException e) {
      return new Found(
          Optional.empty(), Optional.of("cannot read " + certificate + ": " + e.getMessage()));
    }
    Optional<String> problem = Optional.empty();
    PrivateKey privateKey;
    try {
      privateKey = Certificates.readKey(key);
      if (!Certificates.matches(leaf, privateKey)) {
        problem = Optional.of(key + " does not belong to " + certificate);
      }
    } catch (IOException e) {
      problem = Optional.of("cannot read " + key + ": " + e.getMessage());
    }
    if (problem.isEmpty() && !leaf.getNotAfter().toInstant().isAfter(now)) {
      problem = Optional.of("expired on " + Times.format(leaf.getNotAfter().toInstant()));
    }
    return new Found(Optional.of(leaf), problem);
  }

  /**
   * Renews the credential through {@code client} (which authenticates with the current one) and
   * replaces its files. {@code reason} is for the log line. Returns the new certificate.
   */
  X509Certificate renew(
      SignetClient client, X509Certificate current, String reason, Progress progress) {
    KeyAlgorithm algorithm =
        KeyAlgorithm.of(current.getPublicKey())
            .orElseThrow(
                () ->
                    new SignetException(
                        ExitCode.CONFIG, certificate + " has a key of no supported kind"));
    KeyPair keys;
    try {
      keys = algorithm.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new SignetException(
          ExitCode.SOFTWARE, "cannot make a " + algorithm + " key: " + e.getMessage(), e);
    }
    IssueCertificateResponse response =
        client.renewApiCredential(Csrs.create(keys, Certificates.commonName(current)));
    List<X509Certificate> anchors =
        response.getCaBundleDerList().stream()
            .map(der -> SignetClient.parse(der.toByteArray()))
            .toList();
    List<X509Certificate> certificates = Certificates.leafAndIntermediates(response, anchors);
    byte[] keyPem = Pem.privateKey(keys);
    try {
      SafeFiles.replacePair(
          certificate,
          Certificates.pem(certificates),
          key,
          keyPem,
          SafeFiles.Previous.DROPPED,
          SafeFiles.NO_CHECKPOINTS);
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.OUTPUT,
          SignetException.output(certificate, e).getMessage()
              + " The renewed credential "
              + response.getSerial()
              + " was issued but not saved; the current one stays in use.",
          e);
    } finally {
      Arrays.fill(keyPem, (byte) 0);
    }
    List<String> dropped = new ArrayList<>();
    try {
      dropPrevious(dropped);
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.OUTPUT,
          "the credential was renewed, but its previous key "
              + SafeFiles.backup(key)
              + " could not be removed: "
              + SignetException.describe(e)
              + "; remove it",
          e);
    }
    dropped.forEach(progress::note);
    progress.wrote(
        key, "new " + algorithm + " key of the Signet API credential, made on this node");
    progress.wrote(
        certificate,
        NAME
            + " "
            + Certificates.commonName(current)
            + ": renewed, expires "
            + Times.format(certificates.get(0).getNotAfter().toInstant())
            + ", serial "
            + response.getSerial()
            + " ("
            + reason
            + ")");
    return certificates.get(0);
  }
}
