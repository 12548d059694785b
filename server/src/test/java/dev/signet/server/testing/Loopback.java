package dev.signet.server.testing;

import com.google.common.net.InetAddresses;
import io.grpc.Attributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

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

  /**
   * A TLS connection from {@code source} that trusts any server, with ALPN h2 negotiated (without
   * it the daemon drops the connection at once), handshake done. Nothing sent over it yet.
   */
  public static SSLSocket tlsConnection(String source, int port) throws Exception {
    SSLSocket socket =
        (SSLSocket)
            TrustAll.socketFactory()
                .createSocket(
                    InetAddresses.forString("127.0.0.1"), port, InetAddresses.forString(source), 0);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    return socket;
  }

  /**
   * An idle HTTP/2 connection from {@code source}, as a client holds between calls: TLS with ALPN
   * h2, the HTTP/2 preface and an empty SETTINGS frame sent, then nothing.
   */
  public static SSLSocket idleHttp2Connection(String source, int port) throws Exception {
    SSLSocket socket = tlsConnection(source, port);
    OutputStream out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    // a frame header: length 0, type SETTINGS (4), no flags, stream 0
    out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
    out.flush();
    return socket;
  }
}
