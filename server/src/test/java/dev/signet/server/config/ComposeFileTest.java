package dev.signet.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * docker-compose.yml against what it refers to, without Docker: every file, build context and
 * script exists in the repository (a path inside the image through the Dockerfile's COPY lines),
 * every volume and secret is declared and mounted where hsm-config/compose/signetd.yaml expects it,
 * and every published port is one signetd listens on there and the Dockerfile exposes.
 */
class ComposeFileTest {
  private static Path root;
  private static Map<String, Object> compose;
  private static Map<String, Object> services;
  private static SignetdConfig config;
  private static List<String> dockerfile;

  @BeforeAll
  static void load() throws Exception {
    root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("docker-compose.yml"))) {
      root = root.getParent();
    }
    compose =
        map(
            new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(root.resolve("docker-compose.yml"))));
    services = map(compose.get("services"));
    config = ConfigLoader.load(root.resolve("hsm-config/compose/signetd.yaml"));
    dockerfile = Files.readAllLines(root.resolve("server/Dockerfile"));
  }

  @Test
  void everyBuildContextDockerfileAndBindMountExistsInTheRepository() {
    for (var service : services.entrySet()) {
      Map<String, Object> definition = map(service.getValue());
      if (definition.containsKey("build")) {
        Map<String, Object> build = map(definition.get("build"));
        Path context = root.resolve((String) build.get("context")).normalize();
        assertTrue(Files.isDirectory(context), service.getKey() + ": build context " + context);
        assertTrue(
            Files.isRegularFile(context.resolve((String) build.get("dockerfile"))),
            service.getKey() + ": dockerfile " + build.get("dockerfile"));
      }
      for (String volume : strings(definition.get("volumes"))) {
        String source = volume.split(":", -1)[0];
        if (source.startsWith(".") || source.startsWith("/")) {
          assertTrue(
              Files.exists(root.resolve(source).normalize()),
              service.getKey() + ": bind mount of " + source + " that does not exist");
        }
      }
    }
  }

  @Test
  void everyProgramAnEntrypointNamesIsCopiedIntoTheImageFromTheRepository() {
    for (var service : services.entrySet()) {
      for (String program :
          strings(map(service.getValue()).get("entrypoint")).stream().limit(1).toList()) {
        Path source = repositoryPathOf(program);
        assertTrue(Files.isExecutable(source), service.getKey() + ": " + program + " <- " + source);
      }
    }
    String entrypoint = instruction("ENTRYPOINT").get(0);
    assertTrue(entrypoint.contains("\"signetd\""), entrypoint);
    assertTrue(Files.isExecutable(repositoryPathOf("/opt/signet/bin/signetd")));
    assertTrue(
        instruction("RUN").stream().anyMatch(line -> line.contains(" softhsm2 ")),
        "the image installs softhsm2, whose module hsm.library names");
    assertEquals(Path.of("/usr/lib/softhsm/libsofthsm2.so"), config.hsm().library());
  }

  @Test
  void everyVolumeAndSecretIsDeclaredAndUsed() {
    Set<String> namedVolumes = new TreeSet<>();
    Set<String> secretsUsed = new TreeSet<>();
    for (var service : services.entrySet()) {
      Map<String, Object> definition = map(service.getValue());
      for (String volume : strings(definition.get("volumes"))) {
        String source = volume.split(":", -1)[0];
        if (!source.startsWith(".") && !source.startsWith("/")) {
          namedVolumes.add(source);
        }
      }
      secretsUsed.addAll(strings(definition.get("secrets")));
    }
    assertEquals(map(compose.get("volumes")).keySet(), namedVolumes, "declared = used volumes");
    Map<String, Object> secrets = map(compose.get("secrets"));
    assertEquals(secrets.keySet(), secretsUsed, "declared = used secrets");
    String composeText = composeText();
    for (var secret : secrets.entrySet()) {
      String file = (String) map(secret.getValue()).get("file");
      assertTrue(
          Files.exists(root.resolve(file)) || composeText.contains("> " + file),
          "secret " + secret.getKey() + ": " + file + " exists, or the header says how to make it");
    }
  }

  @Test
  void signetdsMountsSecretsAndPathsAreThoseOfItsConfiguration() {
    for (String name : List.of("init", "signetd")) {
      Map<String, Object> service = map(services.get(name));
      Map<String, String> mounts = mounts(service);
      List<String> command = strings(service.get("command"));
      String configFile = command.get(command.indexOf("-c") + 1);
      assertEquals(
          "./hsm-config/compose/signetd.yaml", mounts.get(configFile), name + ": " + mounts);
      String tokenDirectory = mountPointOf("token", mounts);
      for (Path path :
          List.of(
              config.tls().certificate(),
              config.tls().key(),
              config.tls().operatorDirectory(),
              Path.of(config.hsm().pin().toString().substring("file:".length())))) {
        assertTrue(path.startsWith(tokenDirectory), name + ": " + path + " in the token volume");
      }
      String password = config.ledger().password().orElseThrow().toString();
      assertTrue(password.startsWith("file:/run/secrets/"), password);
      assertTrue(
          strings(service.get("secrets"))
              .contains(password.substring("file:/run/secrets/".length())),
          name + " gets the ledger password secret");
    }
    List<String> token = strings(map(services.get("token")).get("command"));
    assertEquals(
        mountPointOf("token", mounts(map(services.get("token")))),
        token.get(token.indexOf("--dir") + 1),
        "the token is made where signetd finds it");
    assertEquals(
        config.hsm().pin().toString(),
        "file:" + token.get(token.indexOf("--dir") + 1) + "/user.pin",
        "create-softhsm-token.sh writes user.pin into --dir");
    assertEquals(
        "pkcs11:token=" + token.get(token.indexOf("--label") + 1), config.hsm().token().toString());
  }

  @Test
  void theLedgerIsThePostgresServiceWithItsUserDatabaseAndPassword() {
    Map<String, Object> postgres = map(services.get("postgres"));
    Map<String, Object> environment = map(postgres.get("environment"));
    assertEquals(
        "jdbc:postgresql://postgres:5432/" + environment.get("POSTGRES_DB"), config.ledger().url());
    assertEquals(environment.get("POSTGRES_USER"), config.ledger().user().orElseThrow());
    assertEquals(
        config.ledger().password().orElseThrow().toString(),
        "file:" + environment.get("POSTGRES_PASSWORD_FILE"));
  }

  @Test
  void everyPublishedPortIsOneSignetdListensOnAndTheImageExposes() {
    Set<Integer> listening = new HashSet<>();
    listening.add(config.listen().port());
    config.enrollment().listen().ifPresent(listen -> listening.add(listen.port()));
    config.metrics().listen().ifPresent(listen -> listening.add(listen.port()));
    Set<Integer> published = new HashSet<>();
    for (String port : strings(map(services.get("signetd")).get("ports"))) {
      String[] parts = port.split(":", -1);
      assertEquals("127.0.0.1", parts[0], "published on the host's loopback only: " + port);
      published.add(Integer.parseInt(parts[parts.length - 1]));
    }
    assertEquals(listening, published);
    Set<Integer> exposed = new HashSet<>();
    for (String line : instruction("EXPOSE")) {
      for (String port : line.substring("EXPOSE".length()).trim().split(" +", -1)) {
        exposed.add(Integer.parseInt(port));
      }
    }
    assertEquals(listening, exposed);
  }

  /** The repository file that the Dockerfile's COPY lines put at {@code imagePath}. */
  private static Path repositoryPathOf(String imagePath) {
    for (String line : instruction("COPY")) {
      List<String> words = new ArrayList<>(List.of(line.split(" +", -1)));
      words.remove(0);
      if (words.get(0).startsWith("--from")) {
        continue;
      }
      String target = words.remove(words.size() - 1);
      for (String source : words) {
        String copied =
            target.endsWith("/") && !source.endsWith("/")
                ? target + Path.of(source).getFileName()
                : target;
        if (imagePath.equals(copied)) {
          return root.resolve(source);
        }
        if (source.endsWith("/") && imagePath.startsWith(copied)) {
          return root.resolve(source).resolve(imagePath.substring(copied.length()));
        }
      }
    }
    throw new AssertionError("no COPY line of server/Dockerfile puts anything at " + imagePath);
  }

  private static List<String> instruction(String keyword) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < dockerfile.size(); i++) {
      String line = dockerfile.get(i);
      if (line.startsWith(keyword + " ")) {
        StringBuilder whole = new StringBuilder(line);
        while (whole.toString().endsWith("\\")) {
          whole.setLength(whole.length() - 1);
          whole.append(' ').append(dockerfile.get(++i).trim());
        }
        lines.add(whole.toString());
      }
    }
    return lines;
  }

  private static String composeText() {
    try {
      return Files.readString(root.resolve("docker-compose.yml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Container path -> source of a service's volumes. */
  private static Map<String, String> mounts(Map<String, Object> service) {
    Map<String, String> mounts = new HashMap<>();
    for (String volume : strings(service.get("volumes"))) {
      String[] parts = volume.split(":", -1);
      mounts.put(parts[1], parts[0]);
    }
    return mounts;
  }

  private static String mountPointOf(String volume, Map<String, String> mounts) {
    return mounts.entrySet().stream()
        .filter(m -> m.getValue().equals(volume))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow(() -> new AssertionError("volume " + volume + " not mounted: " + mounts));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value == null ? Map.of() : (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(Object value) {
    return value == null ? List.of() : (List<String>) value;
  }
}
