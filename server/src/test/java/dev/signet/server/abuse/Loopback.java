package dev.signet.server.abuse;

import dev.signet.server.testing.ApiClient;
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
final class Loopback {
  private Loopback() {}

  /** An enrollment client (no client certificate) whose connections come from {@code source}. */
  static io.grpc.ManagedChannel enrollmentChannel(String source, int port, Path caBundle)
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

  /** The API client type for a channel made here. */
  static ApiClient client(io.grpc.ManagedChannel channel) {
    return ApiClient.of(channel);
  }
}
