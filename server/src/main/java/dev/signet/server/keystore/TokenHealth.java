package dev.signet.server.keystore;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Whether the token can still sign. The first device error flips it to failed for good: neither
 * SunPKCS11 nor SoftHSM2 can re-initialise a module inside a running JVM (measured in
 * reliability-catalogue §2.3), so recovery means a restart of the daemon, which the listeners
 * trigger after health checks have seen NOT_SERVING.
 */
public final class TokenHealth {
  private static final Logger LOG = Logger.getLogger(TokenHealth.class.getName());

  private final List<Consumer<String>> listeners = new ArrayList<>();
  private volatile String failure;

  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  public boolean healthy() {
    return failure == null;
  }

  public synchronized void onFailure(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Records the first failure and tells the listeners; later failures only log. */
  public void markFailed(String reason) {
    List<Consumer<String>> toNotify;
    synchronized (this) {
      if (failure != null) {
        return;
      }
      failure = reason;
      toNotify = List.copyOf(listeners);
    }
    LOG.severe("cryptographic device failure: " + reason + "; issuance stopped until restart");
    toNotify.forEach(listener -> listener.accept(reason));
  }
}
