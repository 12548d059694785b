package dev.signet.client.agent;

import dev.signet.client.SignetException;
import dev.signet.client.files.Certificates;
import dev.signet.client.rpc.ConnectionSettings;
import dev.signet.client.rpc.SignetClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The agent's channel to signetd, kept from pass to pass while the files it was opened with (the
 * credential's certificate and key, the signet-api CA bundle) hold what they held then. A pass then
 * costs its calls, not a TCP connection and a full mutual-TLS handshake with a key exchange and two
 * signatures on each side; if signetd closes an idle connection, the channel reconnects with the
 * same TLS settings and may resume the session.
 *
 * <p>Keeping it is safe because signetd checks the caller's credential on every call, not only at
 * the handshake: an expired or revoked credential is refused on an open connection too. When the
 * agent renews its credential, or someone replaces the files, the next pass opens a new channel
 * with the new files. The files are read before the channel is opened, so a replacement during the
 * opening is seen at the next pass rather than missed.
 */
final class KeptConnection implements AutoCloseable {
  private final ConnectionSettings settings;
  private final Consumer<String> log;
  private SignetClient client;
  private byte[] openedWith;

  KeptConnection(ConnectionSettings settings, Consumer<String> log) {
    this.settings = settings;
    this.log = log;
  }

  /**
   * The kept channel, or a new one if the credential or CA files changed since it was opened; a
   * {@link SignetException} when a new one cannot be opened.
   */
  SignetClient get() {
    byte[] files = fingerprint();
    if (client != null && Arrays.equals(files, openedWith)) {
      return client;
    }
    close();
    client = SignetClient.connect(settings);
    openedWith = files;
    log.accept("opened a channel to signetd " + settings.server() + credentialName());
    return client;
  }

  /** Drops the channel after a failed contact: the next pass starts afresh, at once. */
  void discard() {
    close();
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
      client = null;
      openedWith = null;
    }
  }

  /** A digest of the three files; an empty one when any is unreadable (opening will say why). */
  private byte[] fingerprint() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : new Path[] {settings.certificate(), settings.key(), settings.caBundle()}) {
        byte[] content = Files.readAllBytes(file);
        digest.update(Integer.toString(content.length).getBytes(StandardCharsets.US_ASCII));
        digest.update((byte) 0);
        digest.update(content);
        Arrays.fill(content, (byte) 0); // the key file's bytes, as SignetdChannel clears them
      }
      return digest.digest();
    } catch (IOException e) {
      return new byte[0];
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private String credentialName() {
    try {
      return " with the credential of serial "
          + Certificates.read(settings.certificate())
              .get(0)
              .getSerialNumber()
              .toString(16)
              .toUpperCase(Locale.ROOT);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }
}
