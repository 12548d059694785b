package dev.signet.server.testing;

import com.google.common.net.InetAddresses;
import io.grpc.Attributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;

/**
 * Clients from other loopback addresses: all of 127.0.0.0/8 is this machine, so a test can be
 * several source addresses (per-peer limits count by address) without leaving it.
 */
public final class Loopback {
  private Loopback() {}

  /** An enrollment client (no client certificate) whose connections come from {@code source}. */
  public static io.grpc.ManagedChannel enrollmentChannel(String source, int port, Path caBundle)
      throws Exception {
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(GrpcSslContexts.forClient().trustManager(caBundle.toFile()).build())
        .localSocketPicker(
            new NettyChannelBuilder.LocalSocketPicker() {
              @Override
              public SocketAddress createSocketAddress(
                  SocketAddress remoteAddress, Attributes attributes) {
                return new InetSocketAddress(source, 0);
              }
            })
        .build();
  }

  /** An enrollment client from {@code source}, as {@link ApiClient}. */
  public static ApiClient enrollmentClient(String source, int port, Path caBundle)
      throws Exception {
    return ApiClient.of(enrollmentChannel(source, port, caBundle));
  }

  /** A TLS connection from {@code source} that trusts any server, handshake done. */
  public static javax.net.ssl.SSLSocket tlsConnection(String source, int port) throws Exception {
    javax.net.ssl.SSLSocket socket =
        (javax.net.ssl.SSLSocket)
            TrustAll.socketFactory()
                .createSocket(
                    InetAddresses.forString("127.0.0.1"), port, InetAddresses.forString(source), 0);
    socket.startHandshake();
    return socket;
  }
}
