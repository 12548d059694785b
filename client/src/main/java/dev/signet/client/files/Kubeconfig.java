package dev.signet.client.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Kubeconfig files as kubeadm writes them: one cluster named {@code kubernetes} with the CA bundle
 * embedded, one user named after the certificate's CN, one context {@code <user>@kubernetes}. The
 * client credential is either embedded ({@code client-certificate-data}, {@code client-key-data})
 * or referenced by path, as the kubelet does after a rotation.
 */
public final class Kubeconfig {
  public static final String CLUSTER = "kubernetes";

  /** The client credential: embedded PEM bytes, or paths relative to the kubeconfig's directory. */
  public sealed interface Credential {}

  /** Certificate and key PEM embedded in the file (the caller wipes {@code keyPem} after use). */
  public record Embedded(byte[] certificatePem, byte[] keyPem) implements Credential {
    @Override
    public String toString() {
      return "Embedded[certificate, key redacted]";
    }
  }

  /** Certificate and key files the kubeconfig points at. */
  public record Referenced(String certificatePath, String keyPath) implements Credential {}

  /** What {@link #read} finds in a kubeconfig: the current context's server, CA and credential. */
  public record Contents(String server, byte[] caPem, String user, Credential credential) {}

  private Kubeconfig() {}

  /** The file's bytes. Secret when the credential is embedded. */
  public static byte[] render(String server, byte[] caPem, String user, Credential credential) {
    Base64.Encoder base64 = Base64.getEncoder();
    Map<String, Object> cluster = new LinkedHashMap<>();
    cluster.put("certificate-authority-data", base64.encodeToString(caPem));
    cluster.put("server", server);
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("cluster", CLUSTER);
    context.put("user", user);
    Map<String, Object> userEntry = new LinkedHashMap<>();
    if (credential instanceof Embedded embedded) {
      userEntry.put("client-certificate-data", base64.encodeToString(embedded.certificatePem()));
      userEntry.put("client-key-data", base64.encodeToString(embedded.keyPem()));
    } else if (credential instanceof Referenced referenced) {
      userEntry.put("client-certificate", referenced.certificatePath());
      userEntry.put("client-key", referenced.keyPath());
    }
    String contextName = user + "@" + CLUSTER;
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("apiVersion", "v1");
    document.put("clusters", List.of(named("cluster", cluster, CLUSTER)));
    document.put("contexts", List.of(named("context", context, contextName)));
    document.put("current-context", contextName);
    document.put("kind", "Config");
    document.put("preferences", Map.of());
    document.put("users", List.of(named("user", userEntry, user)));
    return Yaml.dump(document).getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, Object> named(String key, Map<String, Object> value, String name) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put(key, value);
    entry.put("name", name);
    return entry;
  }

  /** Reads the current context of a kubeconfig (or its first user and cluster if none is set). */
  public static Contents read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Map<String, Object> document = Yaml.loadMapping(new String(bytes, StandardCharsets.UTF_8));
    Map<String, Object> context =
        entry(document, "contexts", (String) document.get("current-context")).orElse(Map.of());
    Map<String, Object> cluster =
        entry(document, "clusters", (String) context.get("cluster"))
            .orElseThrow(() -> new IOException("no cluster in it"));
    Map<String, Object> user =
        entry(document, "users", (String) context.get("user"))
            .orElseThrow(() -> new IOException("no user in it"));
    String userName = String.valueOf(context.getOrDefault("user", ""));
    Credential credential;
    if (user.get("client-certificate-data") instanceof String certificate
        && user.get("client-key-data") instanceof String key) {
      credential = new Embedded(decode(certificate), decode(key));
    } else if (user.get("client-certificate") instanceof String certificate
        && user.get("client-key") instanceof String key) {
      credential = new Referenced(certificate, key);
    } else {
      throw new IOException("its user has no client certificate and key");
    }
    byte[] ca =
        cluster.get("certificate-authority-data") instanceof String data
            ? decode(data)
            : new byte[0];
    return new Contents(
        String.valueOf(cluster.getOrDefault("server", "")), ca, userName, credential);
  }

  /**
   * A path of a referenced credential, resolved as kubectl does: against the kubeconfig's
   * directory.
   */
  public static Path resolve(Path kubeconfig, String path) {
    return kubeconfig.toAbsolutePath().getParent().resolve(path);
  }

  @SuppressWarnings("unchecked")
  private static Optional<Map<String, Object>> entry(
      Map<String, Object> document, String list, String name) throws IOException {
    Object entries = document.get(list);
    if (!(entries instanceof List<?> items)) {
      return Optional.empty();
    }
    String key = list.substring(0, list.length() - 1);
    for (Object item : items) {
      if (item instanceof Map<?, ?> map && (name == null || name.equals(map.get("name")))) {
        Object value = map.get(key);
        if (!(value instanceof Map<?, ?>)) {
          throw new IOException("its " + key + " '" + map.get("name") + "' is not a mapping");
        }
        return Optional.of((Map<String, Object>) value);
      }
    }
    return Optional.empty();
  }

  private static byte[] decode(String base64) throws IOException {
    try {
      return Base64.getMimeDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IOException("embedded data is not base64");
    }
  }
}
