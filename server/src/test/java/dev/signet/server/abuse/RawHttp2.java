package dev.signet.server.abuse;

import dev.signet.server.testing.TrustAll;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A raw HTTP/2 client over TLS, for what grpc-java's client will not send: streams opened and reset
 * at once by the thousand (rapid reset). Frames are written by hand (RFC 9113 section 4), header
 * blocks with netty's HPACK encoder from grpc-netty-shaded.
 */
final class RawHttp2 implements AutoCloseable {
  static final int HEADERS = 0x1;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int GOAWAY = 0x7;
  static final int ENHANCE_YOUR_CALM = 0xb;

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A GOAWAY the server sent: its error code. */
  record GoAway(int errorCode) {}

  private final SSLSocket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();

  private RawHttp2(SSLSocket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects with TLS and ALPN h2, and sends the preface and empty SETTINGS. */
  static RawHttp2 connect(int port) throws Exception {
    SSLSocket socket = (SSLSocket) TrustAll.socketFactory().createSocket("127.0.0.1", port);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    RawHttp2 client = new RawHttp2(socket);
    client.out.write(PREFACE);
    client.frame(SETTINGS, 0, 0, new byte[0]);
    client.out.flush();
    return client;
  }

  /** Opens stream {@code id} with the headers of a gRPC call of {@code path}, and resets it. */
  void openAndReset(int id, String path) throws Exception {
    open(id, grpcHeaders(path));
    frame(RST_STREAM, 0, id, new byte[] {0, 0, 0, 0x8 /* CANCEL */});
  }

  /** Opens stream {@code id} as a gRPC call of {@code path} with one more header. */
  void openWithHeader(int id, String path, String name, String value) throws Exception {
    open(id, grpcHeaders(path).add(name, value));
    out.flush();
  }

  private static Http2Headers grpcHeaders(String path) {
    return new DefaultHttp2Headers()
        .method("POST")
        .scheme("https")
        .authority("localhost")
        .path(path)
        .add("content-type", "application/grpc")
        .add("te", "trailers");
  }

  private void open(int id, Http2Headers headers) throws Exception {
    ByteBuf block = Unpooled.buffer();
    try {
      hpack.encodeHeaders(id, headers, block);
      byte[] encoded = new byte[block.readableBytes()];
      block.readBytes(encoded);
      frame(HEADERS, 0x4 /* END_HEADERS */, id, encoded);
    } finally {
      block.release();
    }
  }

  /**
   * Reads frames until the server answers stream {@code id} (HEADERS) or resets it (RST_STREAM), or
   * ends the connection (GOAWAY); that frame's type. Fails if nothing comes for {@code
   * timeoutMillis}.
   */
  int awaitAnswer(int id, int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    try {
      while (true) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        in.readUnsignedByte(); // flags
        int stream = in.readInt() & 0x7fffffff;
        in.readFully(new byte[length]);
        if (type == GOAWAY || (stream == id && (type == HEADERS || type == RST_STREAM))) {
          return type;
        }
      }
    } catch (SocketTimeoutException silent) {
      throw new AssertionError("no answer to stream " + id + " in " + timeoutMillis + " ms");
    }
  }

  void flush() throws IOException {
    out.flush();
  }

  /**
   * Reads frames until a GOAWAY or the end of the connection; the GOAWAY if one came. Fails if the
   * connection is still open and silent after {@code timeoutMillis}.
   */
  Optional<GoAway> awaitGoAway(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    try {
      while (true) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        in.readUnsignedByte(); // flags
        in.readInt(); // stream
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == GOAWAY && length >= 8) {
          int errorCode =
              ((payload[4] & 0xff) << 24)
                  | ((payload[5] & 0xff) << 16)
                  | ((payload[6] & 0xff) << 8)
                  | (payload[7] & 0xff);
          return Optional.of(new GoAway(errorCode));
        }
      }
    } catch (EOFException | SocketException closed) {
      return Optional.empty();
    } catch (SocketTimeoutException silent) {
      throw new AssertionError("the connection is still open after " + timeoutMillis + " ms");
    }
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.write(payload);
  }

  @Override
  public void close() throws IOException {
    hpack.close();
    socket.close();
  }
}
