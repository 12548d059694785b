package dev.signet.server.grpc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.RefusalAudit;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connections to the enrollment port, counted as they are accepted: at most {@code max} in all and
 * {@code perPeer} from one source address (see {@link Peers}). One over either limit is closed
 * right after accept, before any TLS work, and its refusal audited through the {@link
 * RefusalAudit}; the client sees the connection closed (UNAVAILABLE), since no gRPC status can be
 * sent before TLS. It serves as the enrollment server's channel factory.
 */
final class PeerConnections implements ChannelFactory<ServerChannel> {
  private final int max;
  private final int perPeer;
  private final RefusalAudit refusals;
  private final Clock clock;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final ConcurrentHashMap<String, Integer> byPeer = new ConcurrentHashMap<>();

  PeerConnections(int max, int perPeer, RefusalAudit refusals, Clock clock) {
    this.max = max;
    this.perPeer = perPeer;
    this.refusals = refusals;
    this.clock = clock;
  }

  @Override
  public ServerChannel newChannel() {
    return new NioServerSocketChannel() {
      @Override
      protected int doReadMessages(List<Object> accepted) throws Exception {
        int before = accepted.size();
        int read = super.doReadMessages(accepted);
        for (int i = accepted.size() - 1; i >= before; i--) {
          Channel child = (Channel) accepted.get(i);
          if (!admit(child)) {
            accepted.remove(i);
            read--;
          }
        }
        return read;
      }
    };
  }

  /** Counts {@code child} in, or closes it if a limit is reached. */
  private boolean admit(Channel child) {
    String peer = Peers.of(child.remoteAddress());
    int peerCount = byPeer.merge(peer, 1, Integer::sum);
    int total = open.incrementAndGet();
    if (peerCount > perPeer || total > max) {
      release(peer);
      refused.incrementAndGet();
      child.unsafe().closeForcibly();
      refusals.refused(
          peer,
          new AuditEvent(
              clock.instant(),
              "unauthenticated",
              "",
              "connect",
              "",
              "",
              AuditEvent.Decision.REJECTED,
              total > max ? "TOO_MANY_CONNECTIONS" : "TOO_MANY_PEER_CONNECTIONS",
              total > max
                  ? "the enrollment port has its maximum of " + max + " connections"
                  : peer + " already has " + perPeer + " connections",
              "",
              "",
              ""));
      return false;
    }
    // the close future itself, returned for chaining
    ChannelFuture unused = child.closeFuture().addListener(closed -> release(peer));
    return true;
  }

  private void release(String peer) {
    open.decrementAndGet();
    byPeer.computeIfPresent(peer, (key, count) -> count > 1 ? count - 1 : null);
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  int max() {
    return max;
  }

  /** Connections closed at accept since the start. */
  long refused() {
    return refused.get();
  }
}
