package dev.signet.csrsigner;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches CertificateSigningRequests and hands each one that changed to the {@link CsrSigner}: an
 * informer (list, then watch; after a disconnect it watches again from where it was, or lists again
 * when the API server has forgotten that point), a resync that offers every CSR again now and then,
 * and per-CSR retries with doubling delays (1 s to 5 min) while signetd or the API server cannot be
 * reached. A CSR is handled by one thread at a time.
 */
final class CsrController implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CsrController.class.getName());
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration LAST_RETRY = Duration.ofMinutes(5);

  private final KubernetesClient kubernetes;
  private final CsrSigner signer;
  private final Duration resync;
  private final ScheduledExecutorService workers;
  private final Map<String, Duration> retries = new ConcurrentHashMap<>();
  private final Map<String, Boolean> queued = new ConcurrentHashMap<>();
  private SharedIndexInformer<CertificateSigningRequest> informer;

  CsrController(KubernetesClient kubernetes, CsrSigner signer, int workerCount, Duration resync) {
    this.kubernetes = kubernetes;
    this.signer = signer;
    this.resync = resync;
    this.workers =
        Executors.newScheduledThreadPool(
            workerCount,
            runnable -> {
              Thread thread = new Thread(runnable, "csr-signer");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Lists the CSRs, handles them, and keeps watching. */
  void start() {
    informer =
        kubernetes
            .certificates()
            .v1()
            .certificateSigningRequests()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(CertificateSigningRequest csr) {
                    enqueue(csr.getMetadata().getName(), Duration.ZERO);
                  }

                  @Override
                  public void onUpdate(
                      CertificateSigningRequest before, CertificateSigningRequest after) {
                    enqueue(after.getMetadata().getName(), Duration.ZERO);
                  }

                  @Override
                  public void onDelete(CertificateSigningRequest csr, boolean unknownFinalState) {
                    retries.remove(csr.getMetadata().getName());
                  }
                },
                resync.toMillis());
    LOG.info("watching CertificateSigningRequests");
  }

  /** Whether the watch is established now (false while it reconnects). */
  boolean watching() {
    return informer != null && informer.isWatching();
  }

  private void enqueue(String name, Duration delay) {
    if (queued.putIfAbsent(name, Boolean.TRUE) == null) {
      // process() handles its own failures: nothing to wait for
      Future<?> unused =
          workers.schedule(() -> process(name), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void process(String name) {
    queued.remove(name);
    CertificateSigningRequest csr = informer.getStore().getByKey(name);
    if (csr == null) {
      retries.remove(name);
      return;
    }
    CsrSigner.Outcome outcome;
    try {
      outcome = signer.handle(csr);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "handling CSR " + name + " failed", e);
      outcome = CsrSigner.Outcome.RETRY;
    }
    if (outcome == CsrSigner.Outcome.RETRY) {
      Duration delay =
          retries.merge(
              name, FIRST_RETRY, (previous, first) -> min(previous.multipliedBy(2), LAST_RETRY));
      enqueue(name, delay);
    } else {
      retries.remove(name);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.stop();
    }
    workers.shutdownNow();
  }
}
