package dev.signet.server.grpc;

import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts a server's connections from the end of their handshake until they close. */
final class OpenConnections extends ServerTransportFilter {
  private static final Attributes.Key<Boolean> COUNTED = Attributes.Key.create("signet-counted");

  private final AtomicInteger open = new AtomicInteger();

  @Override
  public Attributes transportReady(Attributes attributes) {
    open.incrementAndGet();
    return attributes.toBuilder().set(COUNTED, true).build();
  }

  @Override
  public void transportTerminated(Attributes attributes) {
    // only those counted in: a connection whose handshake failed never was
    if (attributes != null && attributes.get(COUNTED) != null) {
      open.decrementAndGet();
    }
  }

  int open() {
    return open.get();
  }
}
