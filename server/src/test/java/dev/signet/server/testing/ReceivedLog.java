package dev.signet.server.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/**
 * What clients received, written down the moment they receive it: one line per certificate (serial,
 * SHA-256 of the DER, request id), fsync'd before the client goes on. The invariant checker
 * compares the ledger against it, so it must never miss a certificate a client saw.
 */
public final class ReceivedLog implements AutoCloseable {
  /** One received certificate; the serial as a number, independent of how Signet prints it. */
  public record Entry(BigInteger serial, String sha256, String requestId) {}

  private final Path file;
  private final FileChannel channel;

  private ReceivedLog(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
  }

  /** Opens (or continues) the log in {@code file}. */
  public static ReceivedLog open(Path file) throws IOException {
    return new ReceivedLog(
        file,
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
  }

  /** Records a received certificate; durable when this returns. */
  public synchronized void append(byte[] certificateDer, String requestId) throws IOException {
    X509Certificate certificate = parse(certificateDer);
    String line =
        certificate.getSerialNumber().toString(16)
            + " "
            + sha256(certificateDer)
            + " "
            + requestId
            + "\n";
    ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
    while (bytes.hasRemaining()) {
      channel.write(bytes);
    }
    channel.force(false);
  }

  public synchronized List<Entry> entries() throws IOException {
    return Files.readAllLines(file).stream()
        .map(line -> line.split(" "))
        .map(fields -> new Entry(new BigInteger(fields[0], 16), fields[1], fields[2]))
        .toList();
  }

  /** Parsed by the JDK's own X.509 code, not Signet's. */
  static X509Certificate parse(byte[] der) throws IOException {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException e) {
      throw new IOException("not a certificate: " + e.getMessage(), e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
