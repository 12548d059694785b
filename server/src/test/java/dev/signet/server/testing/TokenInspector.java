package dev.signet.server.testing;

import dev.signet.server.keystore.Pkcs11Uri;
import dev.signet.server.keystore.pkcs11.Pkcs11Token;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Prints the label of every object in a token, private keys included (it logs in), one per line.
 * Run in a child JVM against a daemon's token: {@code TokenInspector TOKEN-LABEL PIN-FILE}.
 */
public final class TokenInspector {
  private TokenInspector() {}

  public static void main(String[] args) throws Exception {
    char[] pin = Files.readString(Path.of(args[1])).strip().toCharArray();
    try (Pkcs11Token token =
        Pkcs11Token.open(
            Path.of("/usr/lib/softhsm/libsofthsm2.so"),
            Pkcs11Uri.parse("pkcs11:token=" + args[0]),
            pin,
            Optional.empty())) {
      token.objectLabels().forEach(System.out::println);
    }
  }
}
