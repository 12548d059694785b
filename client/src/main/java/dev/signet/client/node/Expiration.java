package dev.signet.client.node;

import dev.signet.api.v1.TrustDomain;
import dev.signet.client.files.Certificates;
import dev.signet.client.files.Credential;
import dev.signet.client.files.Json;
import dev.signet.client.files.Kubeconfig;
import dev.signet.client.files.Manifest;
import dev.signet.client.rpc.Profile;
import dev.signet.common.Durations;
import dev.signet.common.KeyAlgorithm;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code signet check-expiration}: when each certificate of an output directory expires, read from
 * the files alone (no daemon needed), certificates inside kubeconfigs included, kubelet.conf too
 * (kubeadm leaves it out). The certificates are those of the directory's manifest, or kubeadm's
 * control-plane set when there is none.
 */
public final class Expiration {
  /** One certificate or CA: its expiry, or missing. */
  public record Row(String name, Instant expires, String caName, boolean missing) {
    long residualSeconds(Instant now) {
      return missing ? 0 : Duration.between(now, expires).toSeconds();
    }
  }

  /** Everything check-expiration prints. */
  public record Report(List<Row> certificates, List<Row> authorities, Instant now) {}

  private Expiration() {}

  /** Reads the directory; {@code warn} hears about files that exist but cannot be read. */
  public static Report check(Path root, Instant now, Consumer<String> warn) throws IOException {
    Manifest manifest = Manifest.load(root).orElseGet(Expiration::kubeadmDefault);
    List<Row> certificates = new ArrayList<>();
    for (Credential credential : manifest.credentials()) {
      String caName = Profile.caName(credential.profile().trustDomain());
      certificates.add(row(credential.name(), caName, () -> leafOf(root, credential), warn));
    }
    List<Row> authorities = new ArrayList<>();
    for (Map.Entry<TrustDomain, String> ca : manifest.caFiles().entrySet()) {
      String name = Profile.caName(ca.getKey());
      authorities.add(
          row(name, "", () -> Certificates.read(root.resolve(ca.getValue())).get(0), warn));
    }
    certificates.sort(Comparator.comparing(Row::name));
    authorities.sort(Comparator.comparing(Row::name));
    return new Report(certificates, authorities, now);
  }

  private interface Leaf {
    X509Certificate read() throws IOException;
  }

  private static Row row(String name, String caName, Leaf leaf, Consumer<String> warn) {
    try {
      return new Row(name, leaf.read().getNotAfter().toInstant(), caName, false);
    } catch (NoSuchFileException e) {
      return new Row(name, null, caName, true);
    } catch (IOException e) {
      warn.accept(name + ": " + e.getMessage());
      return new Row(name, null, caName, true);
    }
  }

  private static X509Certificate leafOf(Path root, Credential credential) throws IOException {
    if (credential.hasPair()) {
      return Certificates.read(credential.certificatePath(root)).get(0);
    }
    Path file = credential.kubeconfigPath(root);
    Kubeconfig.Contents contents;
    try {
      contents = Kubeconfig.read(file);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage());
    }
    if (contents.credential() instanceof Kubeconfig.Embedded embedded) {
      Arrays.fill(embedded.keyPem(), (byte) 0);
      return Certificates.read(embedded.certificatePem()).get(0);
    }
    Kubeconfig.Referenced referenced = (Kubeconfig.Referenced) contents.credential();
    return Certificates.read(Kubeconfig.resolve(file, referenced.certificatePath())).get(0);
  }

  /** What a kubeadm control plane holds, for directories signet did not write. */
  private static Manifest kubeadmDefault() {
    Plan plan =
        Plan.controlPlane(
            new Plan.ControlPlane("node", "127.0.0.1", "", "", "", List.of(), List.of(), 6443),
            Layout.KUBEADM,
            KeyAlgorithm.ECDSA_P256);
    return Manifest.empty().merge(plan.caFiles(), plan.credentials());
  }

  /** The table kubeadm prints, kubelet.conf included, CAs after. */
  public static String table(Report report) {
    List<String[]> certificates = new ArrayList<>();
    certificates.add(
        new String[] {"CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY"});
    for (Row row : report.certificates()) {
      certificates.add(
          row.missing()
              ? new String[] {"!MISSING! " + row.name(), "", "", ""}
              : new String[] {
                row.name(), Times.format(row.expires()), residual(row, report.now()), row.caName()
              });
    }
    List<String[]> authorities = new ArrayList<>();
    authorities.add(new String[] {"CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "KEY"});
    for (Row row : report.authorities()) {
      authorities.add(
          row.missing()
              ? new String[] {"!MISSING! " + row.name(), "", "", ""}
              : new String[] {
                row.name(),
                Times.format(row.expires()),
                residual(row, report.now()),
                "in signetd's token"
              });
    }
    return Table.columns(certificates) + "\n" + Table.columns(authorities);
  }

  /**
   * The kubeadm output API's {@code CertificateExpirationInfo} (v1alpha3) as JSON. CAs are
   * externally managed: their keys are in signetd's token, not on this node.
   */
  public static String json(Report report) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("kind", "CertificateExpirationInfo");
    document.put("apiVersion", "output.kubeadm.k8s.io/v1alpha3");
    document.put("certificates", rows(report.certificates(), report.now(), false));
    document.put("certificateAuthorities", rows(report.authorities(), report.now(), true));
    return Json.write(document);
  }

  private static List<Object> rows(List<Row> rows, Instant now, boolean authorities) {
    List<Object> out = new ArrayList<>();
    for (Row row : rows) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", row.name());
      entry.put(
          "expirationDate",
          row.missing()
              ? "0001-01-01T00:00:00Z"
              : DateTimeFormatter.ISO_INSTANT.format(row.expires()));
      entry.put("residualTimeSeconds", row.residualSeconds(now));
      entry.put("externallyManaged", authorities);
      if (!authorities) {
        entry.put("caName", row.caName());
      }
      entry.put("missing", row.missing());
      out.add(entry);
    }
    return out;
  }

  private static String residual(Row row, Instant now) {
    return Durations.humanShort(Duration.between(now, row.expires()));
  }
}
