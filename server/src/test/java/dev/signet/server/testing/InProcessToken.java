package dev.signet.server.testing;

import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.pkcs11.Pkcs11Token;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The one token the test JVM itself may open. SoftHSM2 reads SOFTHSM2_CONF (set by the failsafe
 * configuration) once per process and only sees tokens that exist at that moment, so this fixture
 * creates the token first and every in-process test shares it, each with its own labels.
 */
public final class InProcessToken {
  private static Pkcs11Token token;

  private InProcessToken() {}

  public static synchronized Pkcs11Token get() throws Exception {
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
      TestToken created = TestToken.create(directory, "in-process");
      char[] pin = created.userPin();
      try {
        token =
            Pkcs11Token.open(
                Path.of("/usr/lib/softhsm/libsofthsm2.so"),
                Pkcs11Uri.parse("pkcs11:token=in-process"),
                pin,
                Optional.empty());
      } finally {
        Arrays.fill(pin, '\0');
      }
    }
    return token;
  }
}
