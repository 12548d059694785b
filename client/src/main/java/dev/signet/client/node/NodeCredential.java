package dev.signet.client.node;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.JoinRequest;
import dev.signet.api.v1.JoinResponse;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.files.Certificates;
import dev.signet.client.files.SafeFiles;
import dev.signet.client.rpc.ClientConfig;
import dev.signet.client.rpc.ConnectionSettings;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.AtomicFiles;
import dev.signet.common.Csrs;
import dev.signet.common.HostPort;
import dev.signet.common.KeyAlgorithm;
import dev.signet.common.Pem;
import dev.signet.common.SecretSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A node's own Signet API credential (role node, CN {@code system:node:NAME}) in its credential
 * directory: {@code node.crt} and {@code node.key}, {@code ca.crt} (the signet-api CA) and {@code
 * signet.yaml}, the client configuration that points at them, so that {@code signet renew} and
 * {@code signet agent} can use it. The first one comes from a bootstrap token ({@code
 * Bootstrap.Join}); {@code signet agent} renews it after that.
 *
 * <p>A join is safe to repeat after a crash or a lost answer: the key and the CSR are saved ({@code
 * join-request.key}, {@code join-request.csr}) before the token is spent, and a retry sends the
 * same CSR, which signetd answers with the certificate it already issued for it.
 */
public final class NodeCredential {
  public static final String CERTIFICATE = "node.crt";
  public static final String KEY = "node.key";
  public static final String CA = "ca.crt";
  public static final String CONFIG = "signet.yaml";
  private static final String PENDING_KEY = "join-request.key";
  private static final String PENDING_CSR = "join-request.csr";

  private final Path directory;
  private final Progress progress;
  private final Clock clock;

  public NodeCredential(Path directory, Progress progress, Clock clock) {
    this.directory = directory.toAbsolutePath().normalize();
    this.progress = progress;
    this.clock = clock;
  }

  /** How to call signetd's main port with this credential. */
  public ConnectionSettings settings(HostPort server, Duration timeout) {
    return new ConnectionSettings(
        server,
        directory.resolve(CA),
        directory.resolve(CERTIFICATE),
        directory.resolve(KEY),
        timeout);
  }

  /**
   * Makes sure the directory holds a valid credential of {@code node}: keeps the one there unless
   * {@code force}, else spends the bootstrap token read from {@code token}. {@code enrollment}
   * opens a credential-less connection to signetd's enrollment port; {@code server} is the main
   * port, written into signet.yaml.
   */
  public void ensure(
      String node,
      List<String> addresses,
      KeyAlgorithm algorithm,
      SecretSource token,
      Supplier<SignetClient> enrollment,
      HostPort server,
      boolean force) {
    Path certificate = directory.resolve(CERTIFICATE);
    try {
      Files.createDirectories(directory);
      SafeFiles.recover(certificate, directory.resolve(KEY)).forEach(progress::note);
    } catch (IOException e) {
      throw SignetException.output(directory, e);
    }
    Optional<String> problem = problem(node);
    if (problem.isEmpty() && !force) {
      progress.kept(
          certificate,
          "Signet API credential of system:node:"
              + node
              + ": valid until "
              + Times.format(readLeaf().getNotAfter().toInstant())
              + ", kept (the bootstrap token was not used)");
      removePending();
      writeConfig(server);
      return;
    }
    Pending pending = pending(node, algorithm, force);
    JoinRequest request =
        JoinRequest.newBuilder()
            .setToken(readToken(token))
            .setNodeName(node)
            .addAllAddresses(addresses)
            .setCredentialCsrDer(ByteString.copyFrom(pending.csr()))
            .build();
    JoinResponse joined;
    try (SignetClient client = enrollment.get()) {
      joined = client.join(request);
    }
    try {
      store(joined.getCredential(), pending.keyPem());
    } finally {
      Arrays.fill(pending.keyPem(), (byte) 0);
    }
    removePending();
    writeConfig(server);
  }

  /** What is wrong with the credential in the directory for {@code node}, if anything. */
  Optional<String> problem(String node) {
    Path certificate = directory.resolve(CERTIFICATE);
    try {
      X509Certificate leaf = Certificates.read(certificate).get(0);
      List<X509Certificate> anchors = Certificates.read(directory.resolve(CA));
      if (!Certificates.commonName(leaf).equals("system:node:" + node)) {
        return Optional.of(certificate + " is the credential of " + Certificates.commonName(leaf));
      }
      if (!Certificates.pairMatches(certificate, directory.resolve(KEY))) {
        return Optional.of(KEY + " does not belong to " + CERTIFICATE);
      }
      if (!Certificates.issuedBy(List.of(leaf), anchors)) {
        return Optional.of(CERTIFICATE + " is not signed by the CA in " + CA);
      }
      if (!leaf.getNotAfter().toInstant().isAfter(clock.instant())) {
        return Optional.of(
            CERTIFICATE + " expired on " + Times.format(leaf.getNotAfter().toInstant()));
      }
      return Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.of("no credential yet");
    } catch (IOException e) {
      return Optional.of("cannot read the credential: " + SignetException.describe(e));
    }
  }

  private X509Certificate readLeaf() {
    try {
      return Certificates.read(directory.resolve(CERTIFICATE)).get(0);
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.OUTPUT,
          "cannot read " + directory.resolve(CERTIFICATE) + ": " + SignetException.describe(e),
          e);
    }
  }

  /** A key (PEM) and CSR saved before the token is spent. */
  private record Pending(byte[] keyPem, byte[] csr) {}

  /**
   * The saved request of an interrupted join of the same node, else a new key pair and CSR, saved
   * first.
   */
  private Pending pending(String node, KeyAlgorithm algorithm, boolean force) {
    Path keyFile = directory.resolve(PENDING_KEY);
    Path csrFile = directory.resolve(PENDING_CSR);
    try {
      if (!force && Files.exists(keyFile) && Files.exists(csrFile)) {
        byte[] csr = Files.readAllBytes(csrFile);
        if (requests(csr, "system:node:" + node)) {
          progress.note("resuming an interrupted join with the request saved in " + csrFile);
          return new Pending(Files.readAllBytes(keyFile), csr);
        }
      }
      KeyPair keys = algorithm.generateKeyPair();
      byte[] csr = Csrs.create(keys, "system:node:" + node);
      byte[] keyPem = Pem.privateKey(keys);
      AtomicFiles.write(keyFile, keyPem, AtomicFiles.SECRET);
      AtomicFiles.write(csrFile, csr, AtomicFiles.PUBLIC);
      return new Pending(keyPem, csr);
    } catch (IOException e) {
      throw SignetException.output(directory, e);
    } catch (GeneralSecurityException e) {
      throw new SignetException(
          ExitCode.SOFTWARE, "cannot make a " + algorithm + " key: " + e.getMessage(), e);
    }
  }

  private void store(IssueCertificateResponse credential, byte[] keyPem) {
    List<X509Certificate> anchors =
        credential.getCaBundleDerList().stream()
            .map(der -> SignetClient.parse(der.toByteArray()))
            .toList();
    List<X509Certificate> certificates = Certificates.leafAndIntermediates(credential, anchors);
    Path certificate = directory.resolve(CERTIFICATE);
    Path keyFile = directory.resolve(KEY);
    try {
      AtomicFiles.write(directory.resolve(CA), Certificates.pem(anchors), AtomicFiles.PUBLIC);
      SafeFiles.replacePair(
          certificate, Certificates.pem(certificates), keyFile, keyPem, SafeFiles.NO_CHECKPOINTS);
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.OUTPUT,
          SignetException.output(certificate, e).getMessage()
              + " The credential was issued; run the same command again to save it (the token answers the same request again).",
          e);
    }
    progress.wrote(directory.resolve(CA), "signet-api CA certificate (" + anchors.size() + ")");
    progress.wrote(
        certificate,
        "Signet API credential "
            + Certificates.commonName(certificates.get(0))
            + " (role node): issued, expires "
            + Times.format(certificates.get(0).getNotAfter().toInstant())
            + ", serial "
            + credential.getSerial());
  }

  private static boolean requests(byte[] csr, String commonName) {
    try {
      RDN[] names = new PKCS10CertificationRequest(csr).getSubject().getRDNs(BCStyle.CN);
      return names.length == 1
          && IETFUtils.valueToString(names[0].getFirst().getValue()).equals(commonName);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private void writeConfig(HostPort server) {
    Path file = directory.resolve(CONFIG);
    byte[] content =
        ClientConfig.render(server, CA, CERTIFICATE, KEY).getBytes(StandardCharsets.UTF_8);
    try {
      if (!Files.exists(file) || !Arrays.equals(Files.readAllBytes(file), content)) {
        AtomicFiles.write(file, content, AtomicFiles.PUBLIC);
        progress.wrote(
            file, "client configuration for signetd at " + server + " (use with --config)");
      }
    } catch (IOException e) {
      throw SignetException.output(file, e);
    }
  }

  private void removePending() {
    try {
      Files.deleteIfExists(directory.resolve(PENDING_KEY));
      Files.deleteIfExists(directory.resolve(PENDING_CSR));
    } catch (IOException e) {
      throw SignetException.output(directory, e);
    }
  }

  private static String readToken(SecretSource source) {
    char[] token;
    try {
      token = source.read();
    } catch (IOException e) {
      throw new SignetException(
          ExitCode.CONFIG, "cannot read the bootstrap token: " + e.getMessage());
    }
    try {
      return new String(token);
    } finally {
      Arrays.fill(token, '\0');
    }
  }
}
