package dev.signet.server.grpc;

import java.util.Optional;

/**
 * The servers' limits and how full they are, for metrics: calls and connections in flight against
 * their limits, and what was refused or cut off at its deadline since the start. Each figure is
 * current when read; read them at any time, from any thread.
 */
public interface ServerLoad {
  /**
   * One port's figures. {@code maxConnections} 0 means no limit of its own (the API port, whose
   * callers must present a credential in the TLS handshake).
   */
  record Port(
      String name,
      int callsInFlight,
      int maxCalls,
      long callsRefused,
      long callsClosedAtDeadline,
      int connections,
      int maxConnections,
      long connectionsRefused) {}

  /** The API port (mutual TLS). */
  Port api();

  /** The enrollment port, when it runs. */
  Optional<Port> enrollment();
}
