package dev.signet.server.testing;

import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.pkcs11.Pkcs11KeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The one SoftHSM2 token the test JVM itself may open. SoftHSM2 reads SOFTHSM2_CONF (set by the
 * failsafe configuration) once per process and only sees tokens that exist at that moment, so this
 * fixture creates the token before the first use and every in-process test shares it, each with
 * labels of its own.
 */
public final class InProcessToken {
  /** The token's library, label and user PIN file; the token is created on first use. */
  public static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");

  public static final String LABEL = "in-process";

  private static TestToken token;

  private InProcessToken() {}

  /** Opens the token (logged in, as signetd opens it), creating it first if this JVM has not. */
  public static Pkcs11KeyStore open() throws Exception {
    char[] pin = token().userPin();
    try {
      return Pkcs11KeyStore.open(
          LIBRARY,
          Pkcs11Uri.parse("pkcs11:token=" + LABEL),
          pin,
          Optional.empty(),
          16,
          Duration.ofSeconds(30));
    } finally {
      Arrays.fill(pin, '\0');
    }
  }

  /** The token's files (its PIN among them), creating it first if this JVM has not. */
  public static synchronized TestToken token() throws Exception {
    if (token == null) {
      String conf = System.getenv("SOFTHSM2_CONF");
      if (conf == null) {
        throw new IllegalStateException(
            "SOFTHSM2_CONF is not set; run in-process token tests through failsafe");
      }
      // A fresh token per test JVM: nothing carried over from an earlier run.
      Path directory = Path.of(conf).getParent();
      if (Files.exists(directory)) {
        try (Stream<Path> files = Files.walk(directory)) {
          files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
      }
      token = TestToken.create(directory, LABEL);
    }
    return token;
  }
}
