package dev.signet.client.node;

import dev.signet.client.files.Certificates;
import dev.signet.client.files.Credential;
import dev.signet.client.files.Kubeconfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What is on disk for one credential, and whether it can be kept: present, parseable, the key
 * private to its owner and matching the certificate, issued by the current CA bundle, not expired.
 * {@link #problem()} is empty when all of that holds.
 *
 * <p>Security: the embedded credential of a kubeconfig holds a private key; {@link #close()} wipes
 * it.
 */
public final class Inspection implements AutoCloseable {
  private static final Set<PosixFilePermission> OTHERS =
      Set.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final List<X509Certificate> chain;
  private final Kubeconfig.Embedded embedded;
  private final String problem;

  private Inspection(List<X509Certificate> chain, Kubeconfig.Embedded embedded, String problem) {
    this.chain = chain;
    this.embedded = embedded;
    this.problem = problem;
  }

  /**
   * Reads the credential's files under {@code root} and checks them against {@code anchors}; with
   * no anchors (an agent that has not reached signetd yet) the issuer is not checked.
   */
  public static Inspection of(
      Path root, Credential credential, List<X509Certificate> anchors, Instant now) {
    Path certificateFile =
        credential.hasPair() ? credential.certificatePath(root) : credential.kubeconfigPath(root);
    Path keyFile =
        credential.hasPair() ? credential.keyPath(root) : credential.kubeconfigPath(root);
    List<X509Certificate> chain = null;
    Kubeconfig.Embedded embedded = null;
    try {
      PrivateKey key;
      if (credential.hasPair()) {
        chain = read(certificateFile, () -> Certificates.read(certificateFile));
        key = read(keyFile, () -> Certificates.readKey(keyFile));
      } else {
        Kubeconfig.Contents contents = read(keyFile, () -> Kubeconfig.read(keyFile));
        if (!(contents.credential() instanceof Kubeconfig.Embedded data)) {
          return new Inspection(
              null, null, keyFile.getFileName() + " does not embed its credential");
        }
        embedded = data;
        chain = read(keyFile, () -> Certificates.read(data.certificatePem()));
        key = read(keyFile, () -> Certificates.readKey(data.keyPem()));
      }
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(keyFile);
      if (mode.stream().anyMatch(OTHERS::contains)) {
        return new Inspection(
            chain,
            embedded,
            keyFile.getFileName()
                + " is open to others ("
                + PosixFilePermissions.toString(mode)
                + ")");
      }
      X509Certificate leaf = chain.get(0);
      if (!Certificates.matches(leaf, key)) {
        return new Inspection(chain, embedded, "the certificate does not match its key");
      }
      if (!anchors.isEmpty() && !Certificates.issuedBy(chain, anchors)) {
        return new Inspection(chain, embedded, "not issued by the current CA");
      }
      if (!leaf.getNotAfter().toInstant().isAfter(now)) {
        return new Inspection(
            chain, embedded, "expired on " + Times.format(leaf.getNotAfter().toInstant()));
      }
      return new Inspection(chain, embedded, null);
    } catch (Unusable e) {
      return new Inspection(chain, embedded, e.getMessage());
    } catch (IOException e) {
      return new Inspection(
          chain, embedded, "cannot read " + keyFile.getFileName() + ": " + e.getMessage());
    }
  }

  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The certificates found, leaf first; empty when the file is missing or unreadable. */
  public List<X509Certificate> chain() {
    return chain == null ? List.of() : chain;
  }

  /** The embedded credential of a kubeconfig, as found. */
  public Kubeconfig.Embedded embedded() {
    return embedded;
  }

  /**
   * Whether the certificate expires within {@code window}, or, when none is given, within the last
   * third of its lifetime.
   */
  public boolean expiresWithin(Optional<Duration> window, Instant now) {
    X509Certificate leaf = leaf();
    Instant notAfter = leaf.getNotAfter().toInstant();
    Duration threshold =
        window.orElseGet(
            () -> Duration.between(leaf.getNotBefore().toInstant(), notAfter).dividedBy(3));
    return !now.plus(threshold).isBefore(notAfter);
  }

  @Override
  public void close() {
    if (embedded != null) {
      Arrays.fill(embedded.keyPem(), (byte) 0);
    }
  }

  private interface Reader<T> {
    T read() throws IOException;
  }

  private static <T> T read(Path file, Reader<T> reader) throws Unusable {
    try {
      return reader.read();
    } catch (NoSuchFileException e) {
      throw new Unusable(file.getFileName() + " is missing");
    } catch (IOException e) {
      throw new Unusable(file.getFileName() + ": " + e.getMessage());
    }
  }

  private static final class Unusable extends Exception {
    Unusable(String message) {
      super(message, null, false, false);
    }
  }
}
