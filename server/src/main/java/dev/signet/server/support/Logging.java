package dev.signet.server.support;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * One line per event on standard error, UTC timestamps: what a systemd journal or a container
 * log wants. An operator's own {@code -Djava.util.logging.config.file} takes precedence.
 */
public final class Logging {
  private Logging() {}

  public static void configure() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format",
          "%1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tLZ %4$s %3$s: %5$s%6$s%n");
    }
    LogManager.getLogManager().reset();
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new SimpleFormatter());
    handler.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    root.addHandler(handler);
    root.setLevel(Level.INFO);
    // Netty and gRPC report each refused TLS handshake at length; Signet logs its own decisions.
    Logger.getLogger("io.grpc.netty.shaded").setLevel(Level.WARNING);
  }
}
