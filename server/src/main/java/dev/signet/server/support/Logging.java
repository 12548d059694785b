package dev.signet.server.support;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * One line per event on standard error, UTC timestamps: what a systemd journal or a container log
 * wants. An operator's own {@code -Djava.util.logging.config.file} takes precedence.
 */
public final class Logging {
  /**
   * Loggers whose level is set here, held: java.util.logging keeps loggers weakly, and a collected
   * one forgets its level.
   */
  private static final Logger NETTY = Logger.getLogger("io.grpc.netty.shaded");

  private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");

  private Logging() {}

  /** Must run before anything logs: the log manager class is fixed at first use. */
  public static void configure() {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return;
    }
    System.setProperty("java.util.logging.manager", KeepHandlersAtExit.class.getName());
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format",
          "%1$tY-%1$tm-%1$tdT%1$tH:%1$tM:%1$tS.%1$tLZ %4$s %3$s: %5$s%6$s%n");
    }
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new SimpleFormatter());
    handler.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    for (var existing : root.getHandlers()) {
      root.removeHandler(existing);
    }
    root.addHandler(handler);
    root.setLevel(Level.INFO);
    // Netty and gRPC report each refused TLS handshake at length; Signet logs its own decisions.
    NETTY.setLevel(Level.WARNING);
    // Flyway narrates every step of a migration; Database logs the version it migrated to.
    FLYWAY.setLevel(Level.WARNING);
  }

  /**
   * The JDK's log manager closes every handler from a shutdown hook of its own, racing the daemon's
   * graceful stop, whose last lines would then be lost. The console handler flushes each record, so
   * there is nothing to close: keep the handlers to the end.
   */
  public static final class KeepHandlersAtExit extends LogManager {
    private boolean configured;

    @Override
    public void reset() {
      if (!configured) {
        configured = true;
        super.reset();
      }
    }
  }
}
