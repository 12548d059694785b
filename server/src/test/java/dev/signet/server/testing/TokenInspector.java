package dev.signet.server.testing;

import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.pkcs11.Pkcs11KeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Prints the label of every object in a token, private keys included (it logs in), one per line.
 * Run in a child JVM against a daemon's token: {@code TokenInspector TOKEN-LABEL PIN-FILE}.
 */
public final class TokenInspector {
  private TokenInspector() {}

  public static void main(String[] args) throws Exception {
    char[] pin = Files.readString(Path.of(args[1])).strip().toCharArray();
    try (Pkcs11KeyStore token =
        Pkcs11KeyStore.open(
            InProcessToken.LIBRARY,
            Pkcs11Uri.parse("pkcs11:token=" + args[0]),
            pin,
            Optional.empty(),
            1,
            Duration.ofSeconds(10))) {
      token.labels().forEach(System.out::println);
    }
  }
}
