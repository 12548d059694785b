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
 * The standing of the Signet API credentials, checked on every call: a credential is admitted only
 * while the ledger holds its record with a seal that verifies ({@code ledger.RowSeals}) and does
 * not revoke it, so a credential a database writer recorded or un-revoked gets nothing. A live
 * standing is remembered once read (a revocation is final and kept in memory), so the ledger is
 * read on a credential's first call only.
 *
 * <p>TLS checks a client certificate once per connection; this check makes a revocation bite on
 * open connections too. The revoked credentials are kept in memory: a revocation made by this
 * daemon counts at once, one made by another replica within the refresh interval.
 */
public final class RevokedCredentials implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RevokedCredentials.class.getName());

  private final CertificateStore certificates;
  private final String signetApiKeyId;
  private final Clock clock;
  private final Set<String> revoked = ConcurrentHashMap.newKeySet();

  /** Credentials whose sealed record said live; bounded, re-read when forgotten. */
  private final Set<String> live = ConcurrentHashMap.newKeySet();

  private static final int MAX_REMEMBERED = 100_000;
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

  /** The credential's standing: revoked, or else what its sealed record says. */
  public CertificateStore.CredentialStanding standing(String serial) throws LedgerException {
    if (revoked.contains(serial)) {
      return CertificateStore.CredentialStanding.REVOKED;
    }
    if (live.contains(serial)) {
      return CertificateStore.CredentialStanding.LIVE;
    }
    CertificateStore.CredentialStanding standing = certificates.credentialStanding(serial);
    if (standing == CertificateStore.CredentialStanding.LIVE) {
      if (live.size() >= MAX_REMEMBERED) {
        live.clear();
      }
      live.add(serial);
    }
    return standing;
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
