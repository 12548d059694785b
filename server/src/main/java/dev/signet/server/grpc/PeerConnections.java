package dev.signet.server.grpc;

import dev.signet.server.audit.AuditEvent;
import dev.signet.server.audit.RefusalAudit;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connections to the enrollment port, judged as they are accepted, before any TLS work: a source
 * address (see {@link Peers}) that is shut out (it went on calling after its call rate refused it,
 * see {@link #shutOut}), that opens connections faster than its connection rate, or that already
 * holds {@code perPeer} connections, and any connection past {@code max} in all, is closed at once
 * and its refusal audited through the {@link RefusalAudit}; the client sees the connection closed
 * (UNAVAILABLE), since no gRPC status can be sent before TLS. A refused connection costs the daemon
 * an accept and a close, not a handshake. It serves as the enrollment server's channel factory.
 */
final class PeerConnections implements ChannelFactory<ServerChannel> {
  private static final int REMEMBERED_PEERS = 65_536;

  private final int max;
  private final int perPeer;
  private final PeerRates rates;
  private final RefusalAudit refusals;
  private final Clock clock;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong shutOuts = new AtomicLong();
  private final ConcurrentHashMap<String, Integer> byPeer = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<SocketAddress, Channel> accepted = new ConcurrentHashMap<>();

  /** Shut-out sources and until when (System.nanoTime). */
  private final ConcurrentHashMap<String, Long> shutOutUntil = new ConcurrentHashMap<>();

  PeerConnections(
      int max,
      int perPeer,
      double perSecondPerPeer,
      int burstPerPeer,
      RefusalAudit refusals,
      Clock clock) {
    this.max = max;
    this.perPeer = perPeer;
    this.rates = new PeerRates(perSecondPerPeer, burstPerPeer, REMEMBERED_PEERS);
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

  /** Counts {@code child} in, or closes it if its source is shut out or over a limit. */
  private boolean admit(Channel child) {
    SocketAddress address = child.remoteAddress();
    String peer = Peers.of(address);
    long now = System.nanoTime();
    if (isShutOut(peer, now)) {
      return refuse(child, peer, "SHUT_OUT", peer + " is shut out for ignoring retry hints");
    }
    if (!rates.take(peer, now).admitted()) {
      return refuse(child, peer, "CONNECTION_RATE_LIMITED", peer + " opens connections too often");
    }
    int peerCount = byPeer.merge(peer, 1, Integer::sum);
    int total = open.incrementAndGet();
    if (peerCount > perPeer || total > max) {
      release(peer);
      return refuse(
          child,
          peer,
          total > max ? "TOO_MANY_CONNECTIONS" : "TOO_MANY_PEER_CONNECTIONS",
          total > max
              ? "the enrollment port has its maximum of " + max + " connections"
              : peer + " already has " + perPeer + " connections");
    }
    this.accepted.put(address, child);
    // the close future itself, returned for chaining
    ChannelFuture unused =
        child
            .closeFuture()
            .addListener(
                closed -> {
                  this.accepted.remove(address);
                  release(peer);
                });
    return true;
  }

  private boolean refuse(Channel child, String peer, String reason, String why) {
    refused.incrementAndGet();
    child.unsafe().closeForcibly();
    refusals.refused(peer, event("connect", reason, why));
    return false;
  }

  private AuditEvent event(String action, String reason, String why) {
    return AuditEvent.unauthenticatedRefusal(clock.instant(), action, reason, why);
  }

  private void release(String peer) {
    open.decrementAndGet();
    byPeer.computeIfPresent(peer, (key, count) -> count > 1 ? count - 1 : null);
  }

  /** Whether {@code peer} is shut out now. */
  boolean isShutOut(String peer) {
    return isShutOut(peer, System.nanoTime());
  }

  private boolean isShutOut(String peer, long now) {
    Long until = shutOutUntil.get(peer);
    return until != null && until - now > 0;
  }

  /**
   * Shuts {@code peer} out for {@code period}: its new connections are closed at accept, before
   * TLS, and the connection {@code from} that it called on is closed. Its other connections are
   * closed as they call ({@link #disconnect}). A source that ignores the retry hint then costs
   * accepts and closes, not TLS records, HTTP/2 streams and call threads. Past 65,536 shut-out
   * sources, more are only refused call by call.
   */
  void shutOut(String peer, SocketAddress from, Duration period) {
    if (shutOutUntil.size() < REMEMBERED_PEERS || shutOutUntil.containsKey(peer)) {
      shutOutUntil.put(peer, System.nanoTime() + period.toNanos());
      shutOuts.incrementAndGet();
    }
    disconnect(from);
  }

  /** Closes the connection from {@code address}, if it is still open. */
  void disconnect(SocketAddress address) {
    Channel channel = accepted.get(address);
    if (channel != null) {
      // the refusal written before this is flushed first: both run on the channel's event loop
      ChannelFuture unused = channel.close();
    }
  }

  /** Forgets sources whose shut-out has ended and whose connection budget is full again. */
  void forgetIdlePeers() {
    long now = System.nanoTime();
    shutOutUntil.values().removeIf(until -> until - now <= 0);
    rates.forgetIdle(now);
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

  /** Times a source was shut out since the start. */
  long shutOuts() {
    return shutOuts.get();
  }
}
