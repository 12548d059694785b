package dev.signet.server.serviceaccount;

/**
 * What the service-account signer did since signetd started, for metrics: tokens signed, and Sign
 * calls refused by reason. Monotonic, cheap to read from any thread.
 */
public interface SigningCounters {
  long signed();

  long refused(SigningRefused.Reason reason);
}
