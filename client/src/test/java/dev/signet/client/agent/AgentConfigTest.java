package dev.signet.client.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.rpc.ClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent section of the client configuration, and its mistakes. */
class AgentConfigTest {
  @TempDir Path directory;

  @Test
  void oneFileHoldsTheCredentialAndTheAgentSection() throws Exception {
    Path file =
        Files.writeString(
            directory.resolve("signet.yaml"),
            """
            server: "10.0.0.1:7443"
            caBundle: ca.crt
            certificate: node.crt
            key: node.key
            agent:
              checkInterval: 30s
              hookTimeout: 1m
              backoff: {initial: 2s, max: 1m}
              hooks:
                pki/etcd/server.crt: systemctl restart etcd
                kubelet.conf: "systemctl restart kubelet"
            """);

    AgentConfig agent = AgentConfig.load(Optional.of(file));
    ClientConfig client = ClientConfig.load(file);

    assertEquals(Duration.ofSeconds(30), agent.checkInterval());
    assertEquals(Duration.ofMinutes(1), agent.hookTimeout());
    assertEquals(Duration.ofSeconds(2), agent.backoffInitial());
    assertEquals(Duration.ofMinutes(1), agent.backoffMax());
    assertEquals(
        Map.of(
            "pki/etcd/server.crt",
            "systemctl restart etcd",
            "kubelet.conf",
            "systemctl restart kubelet"),
        agent.hooks());
    assertEquals(
        Optional.of("10.0.0.1:7443"),
        client.server(),
        "other commands read the same file and skip the agent section");
  }

  @Test
  void withoutASectionTheDefaultsApply() throws Exception {
    Path file = Files.writeString(directory.resolve("signet.yaml"), "server: \"10.0.0.1:7443\"\n");
    assertEquals(AgentConfig.defaults(), AgentConfig.load(Optional.of(file)));
    assertEquals(AgentConfig.defaults(), AgentConfig.load(Optional.empty()));
    assertEquals(Duration.ofMinutes(5), AgentConfig.defaults().checkInterval());
  }

  @Test
  void mistakesNameTheKey() throws Exception {
    assertProblem("agent:\n  hook: {a: b}\n", "unknown key 'agent.hook'");
    assertProblem(
        "agent:\n  backoff: {initial: 2s, maximum: 1m}\n", "unknown key 'agent.backoff.maximum'");
    assertProblem("agent:\n  checkInterval: soon\n", "agent.checkInterval");
    assertProblem("agent:\n  checkInterval: 100ms\n", "at least 1s");
    assertProblem(
        "agent:\n  backoff: {initial: 2m, max: 1m}\n", "shorter than agent.backoff.initial");
    assertProblem(
        "agent:\n  hooks: {kubelet.conf: [a]}\n", "agent.hooks.'kubelet.conf' must be a command");
    assertProblem("agent: [a]\n", "'agent' must be a mapping");
  }

  private void assertProblem(String yaml, String expected) throws Exception {
    Path file = Files.writeString(directory.resolve("bad.yaml"), yaml);
    SignetException problem =
        assertThrows(SignetException.class, () -> AgentConfig.load(Optional.of(file)));
    assertEquals(ExitCode.CONFIG, problem.exitCode());
    assertTrue(
        problem.getMessage().contains(expected) && problem.getMessage().contains(file.toString()),
        problem.getMessage());
  }
}
