package dev.signet.client.node;

import dev.signet.api.v1.CaState;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.ServiceAccountKeyStatus;
import dev.signet.api.v1.TrustDomain;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.files.Certificates;
import dev.signet.client.files.Credential;
import dev.signet.client.files.DirectoryLock;
import dev.signet.client.files.Kubeconfig;
import dev.signet.client.files.Manifest;
import dev.signet.client.files.SafeFiles;
import dev.signet.client.rpc.Profile;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Csrs;
import dev.signet.common.Durations;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Brings an output directory to what a {@link Plan} asks for, or renews what its manifest records:
 * the engine behind every issuing command, which stay thin.
 *
 * <p>Order of work, chosen so that a failure costs as little as possible: check that every
 * directory can be written (before anything is issued), finish or undo replacements a crash
 * interrupted, fetch the CA bundles, write the CA files, then per certificate: keep it if it is
 * valid, else make a new key pair here, send only its CSR, and replace the files (see {@link
 * SafeFiles}); then record its request in the manifest. No CA private key is ever written: signetd
 * keeps them in its token. {@link #ensure} and {@link #renew} hold the directory's {@link
 * DirectoryLock} throughout; a caller of the single steps (the agent) takes it itself.
 */
public final class Provisioner {
  private final Path root;
  private final Progress progress;
  private final Clock clock;
  private SignetClient client;
  private Map<TrustDomain, List<X509Certificate>> bundles;

  public Provisioner(Path root, Progress progress, Clock clock) {
    this.root = root.toAbsolutePath().normalize();
    this.progress = progress;
    this.clock = clock;
  }

  /**
   * Makes the directory hold the plan's files: valid ones are kept unless {@code force}; missing,
   * invalid, changed or expiring ones (within {@code renewWithin}, else the last third of their
   * lifetime) are issued anew.
   */
  public void ensure(
      Plan plan, Supplier<SignetClient> connect, boolean force, Optional<Duration> renewWithin) {
    try (DirectoryLock lock = DirectoryLock.acquire(root, progress::note)) {
      ensureLocked(plan, connect, force, renewWithin);
    }
  }

  private void ensureLocked(
      Plan plan, Supplier<SignetClient> connect, boolean force, Optional<Duration> renewWithin) {
    prepare(plan.caFiles().values(), plan.credentials());
    Manifest recorded = manifest().orElse(Manifest.empty());
    try (SignetClient opened = connect.get()) {
      open(opened);
      writeCaFiles(plan.caFiles());
      if (plan.serviceAccountPublicKeys().isPresent()) {
        writeServiceAccountKeys(opened, plan.serviceAccountPublicKeys().get());
      }
      Manifest manifest = recorded.merge(plan.caFiles(), List.of());
      writeManifest(manifest);
      for (Credential wanted : plan.credentials()) {
        try (Inspection current = inspect(wanted)) {
          Optional<String> reason =
              Files.exists(root.resolve(wanted.mainFile()))
                  ? reissueReason(wanted, recorded.find(wanted.name()), current, force, renewWithin)
                  : Optional.of("");
          if (reason.isPresent()) {
            issue(wanted, reason.get());
          } else {
            keep(wanted, current);
          }
        }
        // Recorded once its files match it, so that a run that fails half-way never records a
        // request whose certificate was not written.
        manifest = manifest.merge(Map.of(), List.of(wanted));
        writeManifest(manifest);
      }
    }
  }

  /**
   * Renews the named credentials of the manifest ({@code all} for every one) with new key pairs and
   * the recorded request; with {@code ifExpiringWithin}, only those that are missing, invalid or
   * expire within it.
   */
  public void renew(
      List<String> names,
      Optional<Duration> ifExpiringWithin,
      Optional<KeyAlgorithm> algorithm,
      Supplier<SignetClient> connect) {
    try (DirectoryLock lock = DirectoryLock.acquire(root, progress::note)) {
      renewLocked(names, ifExpiringWithin, algorithm, connect);
    }
  }

  private void renewLocked(
      List<String> names,
      Optional<Duration> ifExpiringWithin,
      Optional<KeyAlgorithm> algorithm,
      Supplier<SignetClient> connect) {
    Manifest manifest =
        manifest()
            .orElseThrow(
                () ->
                    new SignetException(
                        ExitCode.USAGE,
                        "no "
                            + Manifest.FILE
                            + " in "
                            + root
                            + ": signet renews and recovers only what it wrote"
                            + " there, as its manifest records what to ask for. Give the --dir of a signet control-plane,"
                            + " kubelet, kube-proxy, etcd-member or admin run."));
    List<Credential> selected = select(manifest, names);
    if (algorithm.isPresent()) {
      selected = selected.stream().map(c -> c.withKeyAlgorithm(algorithm.get())).toList();
    }
    prepare(manifest.caFiles().values(), selected);
    try (SignetClient opened = connect.get()) {
      open(opened);
      writeCaFiles(manifest.caFiles());
      for (Credential credential : selected) {
        try (Inspection current = inspect(credential)) {
          if (ifExpiringWithin.isPresent()
              && current.problem().isEmpty()
              && !current.expiresWithin(ifExpiringWithin, clock.instant())) {
            progress.keptOne();
            progress.kept(
                root.resolve(credential.mainFile()),
                credential.name()
                    + ": valid until "
                    + until(current.leaf())
                    + ", not due (renews within "
                    + Durations.humanShort(ifExpiringWithin.get())
                    + ")");
          } else {
            issue(credential, current.problem().orElse(""));
            if (algorithm.isPresent()) {
              manifest = manifest.merge(Map.of(), List.of(credential));
              writeManifest(manifest);
            }
          }
        }
      }
    }
  }

  private List<Credential> select(Manifest manifest, List<String> names) {
    if (names.contains("all")) {
      return manifest.credentials();
    }
    List<Credential> selected = new ArrayList<>();
    for (String name : new LinkedHashSet<>(names)) {
      selected.add(
          manifest
              .find(name)
              .orElseThrow(
                  () ->
                      new SignetException(
                          ExitCode.USAGE,
                          "no certificate '"
                              + name
                              + "' in "
                              + Manifest.file(root)
                              + "; known: all, "
                              + String.join(
                                  ", ",
                                  manifest.credentials().stream()
                                      .map(Credential::name)
                                      .toList()))));
    }
    return selected;
  }

  private Optional<String> reissueReason(
      Credential wanted,
      Optional<Credential> recorded,
      Inspection current,
      boolean force,
      Optional<Duration> renewWithin) {
    if (current.problem().isPresent()) {
      return current.problem();
    }
    if (force) {
      return Optional.of("--force");
    }
    if (recorded.isEmpty()) {
      return Optional.of("not recorded in " + Manifest.FILE);
    }
    if (!sameRequest(recorded.get(), wanted)) {
      return Optional.of("the request changed");
    }
    if (current.expiresWithin(renewWithin, clock.instant())) {
      return Optional.of(
          "expires in "
              + Durations.humanShort(
                  Duration.between(clock.instant(), current.leaf().getNotAfter().toInstant())));
    }
    return Optional.empty();
  }

  /** Same certificate asked for: the kubeconfig's server may differ (the file is rewritten). */
  private static boolean sameRequest(Credential a, Credential b) {
    return a.profile() == b.profile()
        && a.parameters().equals(b.parameters())
        && a.keyAlgorithm() == b.keyAlgorithm()
        && a.certificate().equals(b.certificate())
        && a.key().equals(b.key())
        && a.kubeconfig().equals(b.kubeconfig());
  }

  /**
   * Keeps a valid credential: reports it, and rewrites the kubeconfig that holds or references it
   * when its server or CA bundle changed.
   */
  public void keep(Credential credential, Inspection current) {
    progress.keptOne();
    progress.kept(
        root.resolve(credential.mainFile()),
        credential.name() + ": valid until " + until(current.leaf()) + ", kept");
    if (credential.hasKubeconfig()) {
      Kubeconfig.Credential inFile =
          credential.hasPair() ? referenced(credential) : current.embedded();
      writeKubeconfig(credential, Certificates.commonName(current.leaf()), inFile, false);
    }
  }

  /**
   * Issues the credential anew with a new key pair made here, and replaces its files (the previous
   * ones kept as backups); {@code reason} says why, empty for a first issue. Returns the new
   * certificate.
   */
  public X509Certificate issue(Credential credential, String reason) {
    KeyPair keys;
    try {
      keys = credential.keyAlgorithm().generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new SignetException(
          ExitCode.SOFTWARE,
          "cannot make a " + credential.keyAlgorithm() + " key: " + e.getMessage(),
          e);
    }
    IssueCertificateResponse response =
        client.issue(
            credential.profile(), credential.parameters(), Csrs.create(keys, credential.name()));
    // The file carries the leaf and any intermediate CA; the trust anchors are in the CA files.
    List<X509Certificate> certificates =
        Certificates.leafAndIntermediates(response, bundle(credential.profile().trustDomain()));
    X509Certificate leaf = certificates.get(0);
    byte[] certificatePem = Certificates.pem(certificates);
    byte[] keyPem = Pem.privateKey(keys);
    String described =
        credential.name()
            + ": issued, expires "
            + until(leaf)
            + ", serial "
            + response.getSerial()
            + (reason.isEmpty() ? "" : " (" + reason + ")");
    try {
      if (credential.hasPair()) {
        Path certificateFile = credential.certificatePath(root);
        Path keyFile = credential.keyPath(root);
        writing(
            certificateFile,
            response.getSerial(),
            () ->
                SafeFiles.replacePair(
                    certificateFile, certificatePem, keyFile, keyPem, SafeFiles.NO_CHECKPOINTS));
        progress.wrote(keyFile, "new " + credential.keyAlgorithm() + " key, made on this node");
        progress.wrote(certificateFile, described);
        if (credential.hasKubeconfig()) {
          writeKubeconfig(credential, Certificates.commonName(leaf), referenced(credential), true);
        }
      } else {
        Path file = credential.kubeconfigPath(root);
        byte[] content =
            Kubeconfig.render(
                credential.server(),
                caPem(credential.profile().trustDomain()),
                Certificates.commonName(leaf),
                new Kubeconfig.Embedded(certificatePem, keyPem));
        try {
          writing(
              file,
              response.getSerial(),
              () -> SafeFiles.replace(file, content, AtomicFiles.SECRET));
        } finally {
          Arrays.fill(content, (byte) 0);
        }
        progress.wrote(file, described + ", new " + credential.keyAlgorithm() + " key embedded");
      }
      progress.issuedOne();
      return leaf;
    } finally {
      Arrays.fill(keyPem, (byte) 0);
    }
  }

  /**
   * Writes a kubeconfig when its content differs from what is there (a new certificate, another
   * server, a new CA bundle); {@code announce} prints the line even when nothing changed.
   */
  private void writeKubeconfig(
      Credential credential, String user, Kubeconfig.Credential inFile, boolean announce) {
    Path file = credential.kubeconfigPath(root);
    byte[] content =
        Kubeconfig.render(
            credential.server(), caPem(credential.profile().trustDomain()), user, inFile);
    try {
      boolean same = Files.exists(file) && Arrays.equals(Files.readAllBytes(file), content);
      if (!same) {
        writing(file, "", () -> SafeFiles.replace(file, content, AtomicFiles.SECRET));
        progress.wrote(file, "kubeconfig of " + user + " for " + credential.server());
      } else if (announce) {
        progress.kept(file, "kubeconfig of " + user + ", unchanged");
      }
    } catch (IOException e) {
      throw SignetException.output(file, e);
    } finally {
      Arrays.fill(content, (byte) 0);
    }
  }

  private Kubeconfig.Referenced referenced(Credential credential) {
    Path directory = credential.kubeconfigPath(root).getParent();
    return new Kubeconfig.Referenced(
        directory.relativize(credential.certificatePath(root)).toString(),
        directory.relativize(credential.keyPath(root)).toString());
  }

  /**
   * Writes the public keys service-account tokens verify with (every key signetd publishes, the
   * signing one first), as PUBLIC KEY blocks like kubeadm's sa.pub.
   */
  private void writeServiceAccountKeys(SignetClient client, String name) {
    Path file = root.resolve(name);
    ServiceAccountKeyStatus status = client.serviceAccountKeys();
    List<byte[]> keys = new ArrayList<>();
    for (CaState state :
        List.of(CaState.CA_STATE_ACTIVE, CaState.CA_STATE_PREPARED, CaState.CA_STATE_PREVIOUS)) {
      status.getGenerationsList().stream()
          .filter(key -> key.getState() == state)
          .forEach(key -> keys.add(key.getPublicKeyDer().toByteArray()));
    }
    status.getLegacyPublicKeysDerList().forEach(key -> keys.add(key.toByteArray()));
    byte[] content = Pem.publicKeys(keys).getBytes(StandardCharsets.US_ASCII);
    String what =
        "service-account public keys ("
            + keys.size()
            + ", no private key: it is in signetd's token)";
    try {
      if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), content)) {
        progress.kept(file, what + ", unchanged");
      } else {
        AtomicFiles.write(file, content, AtomicFiles.PUBLIC);
        progress.wrote(file, what);
      }
    } catch (IOException e) {
      throw SignetException.output(file, e);
    }
  }

  /** Writes each CA file whose content differs from signetd's current bundle of its domain. */
  public void writeCaFiles(Map<TrustDomain, String> caFiles) {
    for (Map.Entry<TrustDomain, String> entry : caFiles.entrySet()) {
      Path file = root.resolve(entry.getValue());
      byte[] content = caPem(entry.getKey());
      int count = bundle(entry.getKey()).size();
      String what =
          Profile.domainId(entry.getKey())
              + " CA certificate ("
              + Profile.caName(entry.getKey())
              + ")"
              + (count == 1 ? "" : ": " + count + " during a rotation, the one that signs first");
      try {
        if (Files.exists(file) && Arrays.equals(Files.readAllBytes(file), content)) {
          progress.kept(file, what + ", unchanged");
        } else {
          AtomicFiles.write(file, content, AtomicFiles.PUBLIC);
          progress.wrote(file, what);
        }
      } catch (IOException e) {
        throw SignetException.output(file, e);
      }
    }
  }

  private byte[] caPem(TrustDomain domain) {
    return Certificates.pem(bundle(domain));
  }

  private List<X509Certificate> bundle(TrustDomain domain) {
    List<X509Certificate> bundle = bundles.get(domain);
    if (bundle == null || bundle.isEmpty()) {
      throw new SignetException(
          ExitCode.CA_ERROR,
          "signetd returned no CA for the "
              + Profile.domainId(domain)
              + " trust domain; check its cas: configuration");
    }
    return bundle;
  }

  /** What is on disk for the credential, checked against signetd's current bundle. */
  public Inspection inspect(Credential credential) {
    return Inspection.of(
        root, credential, bundle(credential.profile().trustDomain()), clock.instant());
  }

  /**
   * Uses {@code opened} for the next calls and fetches signetd's CA bundles, against which files
   * are judged and which the CA files receive; returns them.
   */
  public Map<TrustDomain, List<X509Certificate>> open(SignetClient opened) {
    client = opened;
    bundles = opened.caBundles();
    return bundles;
  }

  private Optional<Manifest> manifest() {
    try {
      return Manifest.load(root);
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.OUTPUT,
          e.getMessage() + ". Fix or remove it; without it signet issues every certificate again.",
          e);
    }
  }

  private void writeManifest(Manifest manifest) {
    try {
      manifest.write(root);
    } catch (IOException e) {
      throw SignetException.output(Manifest.file(root), e);
    }
  }

  /**
   * Creates every directory the files need and proves each writable with a probe file, so that an
   * unwritable output fails before anything is issued; then repairs interrupted replacements.
   */
  public void prepare(Collection<String> caFiles, List<Credential> credentials) {
    Set<Path> files = new LinkedHashSet<>();
    files.add(Manifest.file(root));
    caFiles.forEach(f -> files.add(root.resolve(f)));
    for (Credential credential : credentials) {
      if (credential.hasPair()) {
        files.add(credential.certificatePath(root));
        files.add(credential.keyPath(root));
      }
      if (credential.hasKubeconfig()) {
        files.add(credential.kubeconfigPath(root));
      }
    }
    for (Path file : files) {
      try {
        SafeFiles.refuseLinksAround(root, file);
      } catch (IOException e) {
        throw SignetException.output(file, e);
      }
    }
    Set<Path> directories = new LinkedHashSet<>();
    files.forEach(f -> directories.add(f.getParent()));
    for (Path directory : directories) {
      try {
        Files.createDirectories(directory);
        Path probe = Files.createTempFile(directory, ".signet-probe-", "");
        Files.delete(probe);
      } catch (IOException e) {
        throw SignetException.output(directory, e);
      }
    }
    for (Credential credential : credentials) {
      try {
        List<String> done = new ArrayList<>();
        if (credential.hasPair()) {
          done.addAll(
              SafeFiles.recover(credential.certificatePath(root), credential.keyPath(root)));
        }
        if (credential.hasKubeconfig()) {
          SafeFiles.removeTemporaries(credential.kubeconfigPath(root), done);
        }
        done.forEach(progress::note);
      } catch (IOException e) {
        throw SignetException.output(root.resolve(credential.mainFile()), e);
      }
    }
  }

  private interface Write {
    void run() throws IOException;
  }

  private static void writing(Path file, String serial, Write write) {
    try {
      write.run();
    } catch (IOException e) {
      SignetException failure = SignetException.output(file, e);
      if (serial.isEmpty()) {
        throw failure;
      }
      throw new SignetException(
          ExitCode.OUTPUT,
          failure.getMessage()
              + " Certificate "
              + serial
              + " was issued but not saved; run the same command again once"
              + " this is fixed.",
          e);
    }
  }

  private static String until(X509Certificate certificate) {
    return Times.format(certificate.getNotAfter().toInstant());
  }
}
