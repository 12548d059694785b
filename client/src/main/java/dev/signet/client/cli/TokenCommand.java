package dev.signet.client.cli;

import com.google.protobuf.Timestamp;
import dev.signet.api.v1.CreateBootstrapTokenResponse;
import dev.signet.client.SignetException;
import dev.signet.client.node.Times;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signet token}: bootstrap tokens, with which new nodes join. */
@Command(
    name = "token",
    header = "Bootstrap tokens: one per new node, for `signet join`.",
    subcommands = {TokenCommand.Create.class, CommandLine.HelpCommand.class})
public final class TokenCommand implements Runnable {
  @Spec CommandSpec spec;

  @Mixin HelpOption help;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: create");
  }

  /** {@code signet token create}. */
  @Command(
      name = "create",
      header =
          "Create a single-use bootstrap token for one node and its addresses (ca-admin or provisioner).",
      description = {
        "The token admits one node, with only the given addresses (its kubelet serving certificates may name no"
            + " other), once, until it expires. signetd keeps only a hash of its secret: this is the only time it is"
            + " shown. Hand it to the node over a channel you trust and run `signet join --token file:PATH` there."
      },
      sortOptions = false,
      customSynopsis =
          "signet token create --node NAME --address IP|NAME... [--ttl DURATION] [--out FILE] [OPTIONS]%n",
      footer = {
        "%nWithout --out the token is the only line on standard output (the rest goes to standard error),",
        "so that `signet token create ... > token` works; --out writes it with mode 0600.",
        "",
        "Example:",
        "  signet token create --node worker-1 --address 10.0.0.21 --ttl 30m --out worker-1.token"
      })
  public static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin HelpOption help;

    @Option(
        names = "--node",
        required = true,
        paramLabel = "NAME",
        description = "The node the token admits.")
    String node;

    @Option(
        names = "--address",
        required = true,
        paramLabel = "IP|NAME",
        split = ",",
        description =
            "The node's addresses and DNS names (repeatable): the only ones it may register.")
    List<String> addresses;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        converter = Converters.DurationConverter.class,
        description = "How long the token stays usable, at most 24h. Default: signetd's (1h).")
    Duration ttl;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "Write the token to FILE (mode 0600) instead of standard output.")
    Path out;

    @Mixin ConnectionOptions connection;

    @Override
    public Integer call() {
      CreateBootstrapTokenResponse created;
      try (SignetClient client = connection.connect()) {
        created = client.createBootstrapToken(node, addresses, ttl);
      }
      Timestamp expiresAt = created.getExpiresAt();
      Instant expires = Instant.ofEpochSecond(expiresAt.getSeconds(), expiresAt.getNanos());
      String summary =
          "bootstrap token "
              + created.getTokenId()
              + " for node "
              + node
              + " "
              + addresses
              + ", usable once until "
              + Times.format(expires);
      PrintWriter err = spec.commandLine().getErr();
      if (out == null) {
        spec.commandLine().getOut().println(created.getToken());
        err.println(summary);
        return 0;
      }
      Path file = out.toAbsolutePath().normalize();
      try {
        AtomicFiles.write(
            file,
            (created.getToken() + "\n").getBytes(StandardCharsets.US_ASCII),
            AtomicFiles.SECRET);
      } catch (IOException e) {
        throw SignetException.output(file, e);
      }
      spec.commandLine().getOut().println(summary + ": written to " + file);
      return 0;
    }
  }
}
