package dev.signet.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * PKCS#10 requests as a Signet client sends them: signed with the new key (the proof of
 * possession), naming the subject it expects for readability. The daemon takes only the public key
 * from it; the certificate's contents come from the profile.
 */
public final class Csrs {
  private Csrs() {}

  /** A DER-encoded CSR for {@code keys}, with subject {@code O=organization..., CN=commonName}. */
  public static byte[] create(KeyPair keys, String commonName, String... organizations) {
    X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE);
    for (String organization : organizations) {
      subject.addRDN(BCStyle.O, organization);
    }
    subject.addRDN(BCStyle.CN, commonName);
    KeyAlgorithm algorithm =
        KeyAlgorithm.of(keys.getPublic())
            .orElseThrow(() -> new IllegalArgumentException("key of no supported kind"));
    try {
      return new JcaPKCS10CertificationRequestBuilder(subject.build(), keys.getPublic())
          .build(
              new JcaContentSignerBuilder(algorithm.signatureAlgorithm()).build(keys.getPrivate()))
          .getEncoded();
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a CSR with a " + algorithm + " key", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
