package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.TrustDomain;
import dev.signet.server.x509.X509;
import java.security.cert.X509Certificate;
import java.util.List;

/** Conversions between Signet's domain types and their signet.v1 counterparts. */
final class Protos {
  private Protos() {}

  static dev.signet.api.v1.Profile profile(Profile profile) {
    return dev.signet.api.v1.Profile.valueOf("PROFILE_" + profile.name());
  }

  static dev.signet.api.v1.TrustDomain trustDomain(TrustDomain domain) {
    return dev.signet.api.v1.TrustDomain.valueOf("TRUST_DOMAIN_" + domain.name());
  }

  static List<ByteString> ders(List<X509Certificate> certificates) {
    return certificates.stream().map(c -> ByteString.copyFrom(X509.encoded(c))).toList();
  }
}
