package dev.signet.server.profile;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * What a certificate says about its subject, decided by the profile alone: subject, names and
 * extended key usages. Key usage, validity, serial and the CA's identifiers are added when the
 * certificate is assembled, because they depend on the key, the clock and the issuing CA.
 *
 * @param requestedNames every DNS name and IP address (as text) that the request brought into the
 *     certificate, however it got there (node name, endpoint host, extra SANs, a service network's
 *     first address, names derived from a DNS domain), and also the first address of a dual-stack
 *     service CIDR's second network, which the request names though kubeadm leaves it out of the
 *     certificate: what a constrained caller must be allowed to name. Not listed: what the profile
 *     adds to every certificate of its kind ({@code kubernetes.default}, {@code localhost}, {@code
 *     127.0.0.1}) and what the daemon's own cluster configuration implies.
 */
public record CertificateContent(
    Profile profile,
    String commonName,
    List<String> organizations,
    List<String> dnsNames,
    List<InetAddress> ipAddresses,
    Set<Profile.ExtendedKeyUsage> extendedKeyUsages,
    String nodeName,
    List<String> requestedNames) {

  public CertificateContent {
    organizations = List.copyOf(organizations);
    dnsNames = List.copyOf(dnsNames);
    ipAddresses = List.copyOf(ipAddresses);
    extendedKeyUsages = Set.copyOf(extendedKeyUsages);
    requestedNames = List.copyOf(requestedNames);
  }

  public boolean hasSubjectAltNames() {
    return !dnsNames.isEmpty() || !ipAddresses.isEmpty();
  }
}
