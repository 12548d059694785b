package dev.signet.client.files;

import dev.signet.api.v1.TrustDomain;
import dev.signet.client.SignetException;
import dev.signet.client.rpc.Parameters;
import dev.signet.client.rpc.Profile;
import dev.signet.common.AtomicFiles;
import dev.signet.common.KeyAlgorithm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code .signet/manifest.yaml} in an output directory: every certificate signet manages there,
 * with what was asked for it, and the CA files it keeps current. {@code signet renew} re-requests
 * from it with exactly the same subject and names, and so can a node agent, without the parameters
 * being entered again. It holds no secret.
 */
public record Manifest(Map<TrustDomain, String> caFiles, List<Credential> credentials) {
  public static final String FILE = ".signet/manifest.yaml";
  private static final int VERSION = 1;

  public Manifest {
    Map<TrustDomain, String> copy = new EnumMap<>(TrustDomain.class);
    copy.putAll(caFiles);
    caFiles = Collections.unmodifiableMap(copy);
    credentials = List.copyOf(credentials);
  }

  public static Manifest empty() {
    return new Manifest(Map.of(), List.of());
  }

  public static Path file(Path root) {
    return root.resolve(FILE);
  }

  public Optional<Credential> find(String name) {
    return credentials.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * This manifest with the CA files {@code otherCaFiles} and the credentials {@code others} added
   * or, by name, replaced.
   */
  public Manifest merge(Map<TrustDomain, String> otherCaFiles, List<Credential> others) {
    Map<TrustDomain, String> ca = new EnumMap<>(TrustDomain.class);
    ca.putAll(caFiles);
    ca.putAll(otherCaFiles);
    Map<String, Credential> byName = new LinkedHashMap<>();
    credentials.forEach(c -> byName.put(c.name(), c));
    others.forEach(c -> byName.put(c.name(), c));
    return new Manifest(ca, new ArrayList<>(byName.values()));
  }

  /** Reads the manifest of {@code root}; empty when there is none. */
  public static Optional<Manifest> load(Path root) throws IOException {
    String text;
    try {
      text = Files.readString(file(root), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new IOException("cannot read " + file(root) + ": " + SignetException.describe(e), e);
    }
    try {
      return Optional.of(parse(Yaml.loadMapping(text)));
    } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
      throw new IOException("unreadable manifest " + file(root) + ": " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Manifest parse(Map<String, Object> document) throws IOException {
    if (!Integer.valueOf(VERSION).equals(document.get("version"))) {
      throw new IOException("manifest version " + document.get("version") + " is not " + VERSION);
    }
    Map<TrustDomain, String> caFiles = new EnumMap<>(TrustDomain.class);
    for (Map.Entry<String, Object> entry :
        ((Map<String, Object>) document.getOrDefault("caFiles", Map.of())).entrySet()) {
      TrustDomain domain =
          Profile.domainById(entry.getKey())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown trust domain '" + entry.getKey() + "'"));
      caFiles.put(domain, (String) entry.getValue());
    }
    List<Credential> credentials = new ArrayList<>();
    for (Object item : (List<Object>) document.getOrDefault("certificates", List.of())) {
      Map<String, Object> map = (Map<String, Object>) item;
      String profile = (String) map.get("profile");
      credentials.add(
          new Credential(
              (String) map.get("name"),
              Profile.byId(profile)
                  .orElseThrow(
                      () -> new IllegalArgumentException("unknown profile '" + profile + "'")),
              Parameters.fromMap((Map<String, Object>) map.getOrDefault("parameters", Map.of())),
              KeyAlgorithm.parse((String) map.get("keyAlgorithm")),
              (String) map.get("certificate"),
              (String) map.get("key"),
              (String) map.get("kubeconfig"),
              (String) map.get("server")));
    }
    return new Manifest(caFiles, credentials);
  }

  /** Writes the manifest into {@code root} atomically. */
  public void write(Path root) throws IOException {
    Map<String, Object> ca = new LinkedHashMap<>();
    caFiles.forEach((domain, path) -> ca.put(Profile.domainId(domain), path));
    List<Object> entries = new ArrayList<>();
    for (Credential credential : credentials) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", credential.name());
      entry.put("profile", credential.profile().id());
      entry.put("keyAlgorithm", credential.keyAlgorithm().id());
      if (credential.hasPair()) {
        entry.put("certificate", credential.certificate());
        entry.put("key", credential.key());
      }
      if (credential.hasKubeconfig()) {
        entry.put("kubeconfig", credential.kubeconfig());
        entry.put("server", credential.server());
      }
      Map<String, Object> parameters = credential.parameters().toMap();
      if (!parameters.isEmpty()) {
        entry.put("parameters", parameters);
      }
      entries.add(entry);
    }
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("version", VERSION);
    document.put("caFiles", ca);
    document.put("certificates", entries);
    String text =
        "# Written by signet: the certificates it manages in this directory and what was asked for\n"
            + "# each. `signet renew` re-requests from it. Paths are relative to this directory's parent.\n"
            + Yaml.dump(document);
    AtomicFiles.write(file(root), text.getBytes(StandardCharsets.UTF_8), AtomicFiles.PUBLIC);
  }
}
