package dev.signet.server.revocation;

import dev.signet.server.ca.CaRegistry;
import dev.signet.server.database.LedgerException;
import dev.signet.server.ledger.CertificateStore;
import dev.signet.server.profile.TrustDomain;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The revoked Signet API credentials, checked on every call (TLS checks a client certificate once
 * per connection; this check makes a revocation bite on open connections too). Kept in memory: a
 * revocation made by this daemon counts at once, one made by another replica within the refresh
 * interval.
 */
public final class RevokedCredentials implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RevokedCredentials.class.getName());

  private final CertificateStore certificates;
  private final String signetApiKeyId;
  private final Clock clock;
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "signet-revoked-credentials");
            thread.setDaemon(true);
            return thread;
          });

  /** The periodic refresh; null until {@link #start}. */
  private ScheduledFuture<?> periodic;

  public RevokedCredentials(CertificateStore certificates, CaRegistry cas, Clock clock) {
    this.certificates = certificates;
    this.signetApiKeyId = cas.signingCa(TrustDomain.SIGNET_API).keyId();
    this.clock = clock;
  }

  /** Loads the revoked credentials now, then refreshes them every {@code interval}. */
  public void start(Duration interval) throws LedgerException {
    reload();
    periodic =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                reload();
              } catch (LedgerException e) {
                LOG.warning("cannot refresh revoked credentials: " + e.getMessage());
              }
            },
            interval.toMillis(),
            interval.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  public boolean isRevoked(String serial) {
    return revoked.contains(serial);
  }

  /** Counts a revocation this daemon just made, without waiting for the next refresh. */
  void add(String serial) {
    revoked.add(serial);
  }

  /** Adds what the ledger knows; nothing is ever removed, because revocations are final. */
  private void reload() throws LedgerException {
    for (CertificateStore.RevokedEntry entry :
        certificates.revokedEntries(signetApiKeyId, clock.instant())) {
      revoked.add(entry.serial());
    }
  }

  @Override
  public void close() {
    if (periodic != null) {
      periodic.cancel(false);
    }
    scheduler.shutdownNow();
  }
}
