package dev.signet.client.testing;

import dev.signet.common.Pem;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/** Every private key in a directory tree, as the public key it belongs to. */
public final class PrivateKeys {
  private static final Pattern KUBECONFIG_KEY = Pattern.compile("client-key-data:\\s*(\\S+)");

  private PrivateKeys() {}

  /**
   * For each regular file under {@code root} that holds private keys (PEM blocks of any kind of
   * PRIVATE KEY, or a kubeconfig's client-key-data), the hex PKIX encodings of their public keys.
   */
  public static Map<Path, List<String>> under(Path root) throws IOException {
    Map<Path, List<String>> found = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        List<String> keys = new ArrayList<>(inPem(text));
        Matcher embedded = KUBECONFIG_KEY.matcher(text);
        while (embedded.find()) {
          keys.addAll(
              inPem(
                  new String(
                      Base64.getDecoder().decode(embedded.group(1)), StandardCharsets.US_ASCII)));
        }
        if (!keys.isEmpty()) {
          found.put(root.relativize(file), keys);
        }
      }
    }
    return found;
  }

  /** The hex PKIX encoding of a public key, to compare keys by value. */
  public static String hex(PublicKey key) {
    return HexFormat.of().formatHex(key.getEncoded());
  }

  private static List<String> inPem(String text) throws IOException {
    List<String> keys = new ArrayList<>();
    try (PemReader reader = new PemReader(new StringReader(text))) {
      for (PemObject block = reader.readPemObject();
          block != null;
          block = reader.readPemObject()) {
        if (block.getType().endsWith("PRIVATE KEY")) {
          StringWriter pem = new StringWriter();
          try (PemWriter writer = new PemWriter(pem)) {
            writer.writeObject(block);
          }
          keys.add(
              hex(
                  publicKeyOf(
                      Pem.readPrivateKey(pem.toString().getBytes(StandardCharsets.US_ASCII)))));
        }
      }
    }
    return keys;
  }

  private static PublicKey publicKeyOf(PrivateKey key) throws IOException {
    try {
      if (key instanceof RSAPrivateCrtKey rsa) {
        return KeyFactory.getInstance("RSA")
            .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
      }
      if (key instanceof ECPrivateKey ec) {
        ECPoint q = EC5Util.convertSpec(ec.getParams()).getG().multiply(ec.getS()).normalize();
        return KeyFactory.getInstance("EC")
            .generatePublic(
                new ECPublicKeySpec(
                    new java.security.spec.ECPoint(
                        q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                    ec.getParams()));
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
    throw new IOException("a private key of an unexpected kind: " + key.getAlgorithm());
  }
}
