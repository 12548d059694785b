package dev.signet.server.profile;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * What a certificate says about its subject, decided by the profile alone: subject, names and
 * extended key usages. Key usage, validity, serial and the CA's identifiers are added when the
 * certificate is assembled, because they depend on the key, the clock and the issuing CA.
 */
public record CertificateContent(
    Profile profile,
    String commonName,
    List<String> organizations,
    List<String> dnsNames,
    List<InetAddress> ipAddresses,
    Set<Profile.ExtendedKeyUsage> extendedKeyUsages,
    String nodeName) {

  public CertificateContent {
    organizations = List.copyOf(organizations);
    dnsNames = List.copyOf(dnsNames);
    ipAddresses = List.copyOf(ipAddresses);
    extendedKeyUsages = Set.copyOf(extendedKeyUsages);
  }

  public boolean hasSubjectAltNames() {
    return !dnsNames.isEmpty() || !ipAddresses.isEmpty();
  }
}
