package dev.signet.client.testing;

import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The names a certificate carries, as the tests compare them. */
public final class CertificateNames {
  private CertificateNames() {}

  /** Its subject alternative names (DNS names and IP addresses), as text; none when it has none. */
  public static Set<String> sans(X509Certificate certificate) throws Exception {
    Collection<List<?>> names = certificate.getSubjectAlternativeNames();
    return names == null
        ? Set.of()
        : names.stream().map(n -> String.valueOf(n.get(1))).collect(Collectors.toSet());
  }
}
