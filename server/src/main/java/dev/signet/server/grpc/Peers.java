package dev.signet.server.grpc;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;

/**
 * Who a connection comes from, as the enrollment port's per-peer limits count it: the IPv4 address,
 * or the /64 network of an IPv6 address (one host usually holds a whole /64, and counting its
 * addresses one by one would give it billions of budgets).
 */
final class Peers {
  private Peers() {}

  static String of(SocketAddress address) {
    if (address instanceof InetSocketAddress socket && socket.getAddress() != null) {
      return of(socket.getAddress());
    }
    return String.valueOf(address);
  }

  static String of(InetAddress address) {
    if (address instanceof Inet6Address) {
      byte[] network = Arrays.copyOf(address.getAddress(), 16);
      Arrays.fill(network, 8, 16, (byte) 0);
      try {
        return InetAddress.getByAddress(network).getHostAddress() + "/64";
      } catch (java.net.UnknownHostException e) {
        throw new IllegalStateException("16 bytes are an IPv6 address", e);
      }
    }
    return address.getHostAddress();
  }
}
