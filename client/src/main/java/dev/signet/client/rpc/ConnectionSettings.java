package dev.signet.client.rpc;

import dev.signet.common.HostPort;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What it takes to call signetd: its address, the signet-api CA that signed its serving
 * certificate, this caller's credential (certificate and key files), and the deadline of each call.
 * Only the first contact of a new node ({@link #withoutCredential}) has no credential: its
 * certificate and key are null, and only {@code Bootstrap.Join} accepts such a caller.
 */
public record ConnectionSettings(
    HostPort server, Path caBundle, Path certificate, Path key, Duration timeout) {

  /** Server-authenticated TLS only, for {@code Bootstrap.Join} on signetd's enrollment port. */
  public static ConnectionSettings withoutCredential(
      HostPort server, Path caBundle, Duration timeout) {
    return new ConnectionSettings(server, caBundle, null, null, timeout);
  }

  /** Whether calls present a client certificate. */
  public boolean hasCredential() {
    return certificate != null;
  }
}
