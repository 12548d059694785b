package dev.signet.csrsigner;

import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.client.rpc.SignetClient;
import dev.signet.common.Pem;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestConditionBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * One CertificateSigningRequest, handled as kube-controller-manager's signer handles it: only an
 * approved, not failed CSR of a configured signer name without a certificate yet; an invalid one is
 * marked Failed (reason SignerValidationFailure) and never signed; a valid one is signed by
 * signetd, through the same issuance pipeline and ledger as every certificate, under the request id
 * {@code k8s-csr:<uid>}, so that a CSR handled twice (a crash before the status write, two signers)
 * gets the same certificate, and the certificate is written to status.certificate.
 *
 * <p>Lifetime as kube-controller-manager computes it: spec.expirationSeconds, at least 10 minutes,
 * at most {@code maxDuration} (when set; signetd caps it at its issuance.validity in any case).
 * NotBefore is backdated by signetd (issuance.backdate, 5 minutes by default, as Kubernetes does).
 */
final class CsrSigner {
  private static final Logger LOG = Logger.getLogger(CsrSigner.class.getName());

  static final String FAILED_REASON = "SignerValidationFailure";
  private static final Duration MIN_DURATION = Duration.ofMinutes(10);

  /** What handling a CSR came to. */
  enum Outcome {
    /** Not this signer's business: not approved, failed, another signer, already signed. */
    IGNORED,
    SIGNED,
    /** Marked Failed: it will never be signed. */
    FAILED,
    /** signetd or the API server could not be reached, or the CSR changed meanwhile: try later. */
    RETRY
  }

  private final KubernetesClient kubernetes;
  private final SignetClient signet;
  private final Set<String> signerNames;
  private final Optional<Duration> maxDuration;
  private final Clock clock;

  CsrSigner(
      KubernetesClient kubernetes,
      SignetClient signet,
      Set<String> signerNames,
      Optional<Duration> maxDuration,
      Clock clock) {
    this.kubernetes = kubernetes;
    this.signet = signet;
    this.signerNames = Set.copyOf(signerNames);
    this.maxDuration = maxDuration;
    this.clock = clock;
  }

  /**
   * Handles {@code cached} (the informer's object, left untouched: the status is set on a copy).
   */
  Outcome handle(CertificateSigningRequest cached) {
    CertificateSigningRequest csr = new CertificateSigningRequestBuilder(cached).build();
    String name = csr.getMetadata().getName();
    CertificateSigningRequestStatus status = csr.getStatus();
    if (status != null && status.getCertificate() != null && !status.getCertificate().isEmpty()) {
      return Outcome.IGNORED;
    }
    if (!approved(csr) || hasTrue(csr, "Failed")) {
      return Outcome.IGNORED;
    }
    String signerName = csr.getSpec().getSignerName();
    if (!signerNames.contains(signerName)) {
      return Outcome.IGNORED;
    }
    KubeletCsr.Request request;
    try {
      request =
          KubeletCsr.validate(
              signerName,
              Base64.getDecoder().decode(csr.getSpec().getRequest()),
              csr.getSpec().getUsages() == null ? List.of() : csr.getSpec().getUsages());
    } catch (KubeletCsr.Invalid invalid) {
      return fail(csr, invalid.getMessage());
    } catch (KubeletCsr.Unparsable | IllegalArgumentException unparsable) {
      // kube-controller-manager returns an error and retries; kube-apiserver's validation keeps
      // such CSRs out, so one here is logged and left alone rather than retried for ever
      LOG.warning("CSR " + name + " cannot be parsed, left alone: " + unparsable.getMessage());
      return Outcome.IGNORED;
    }
    IssueCertificateResponse issued;
    try {
      issued =
          signet.issueForCsrApi(
              request.profile(),
              request.nodeName(),
              request.addresses(),
              request.csrDer(),
              "k8s-csr:" + csr.getMetadata().getUid(),
              duration(csr.getSpec().getExpirationSeconds()));
    } catch (SignetException e) {
      if (e.exitCode() == ExitCode.INVALID_REQUEST || e.exitCode() == ExitCode.DENIED) {
        // Signet's own rules (key policy, names, the node's registered addresses)
        return fail(csr, "signetd refused to sign: " + e.getMessage());
      }
      LOG.warning("CSR " + name + ": signetd could not sign now, will retry: " + e.getMessage());
      return Outcome.RETRY;
    }
    String pem = Pem.certificate(issued.getCertificateDer().toByteArray());
    csr.getStatus()
        .setCertificate(
            Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII)));
    if (!writeStatus(csr)) {
      return Outcome.RETRY;
    }
    LOG.info(
        "signed CSR "
            + name
            + " ("
            + signerName
            + ", node "
            + request.nodeName()
            + ", serial "
            + issued.getSerial()
            + ")");
    return Outcome.SIGNED;
  }

  /** kube-controller-manager's duration(): the request, within [10 min, maxDuration]. */
  Duration duration(Integer expirationSeconds) {
    if (expirationSeconds == null) {
      return maxDuration.orElse(Duration.ZERO);
    }
    Duration requested = Duration.ofSeconds(expirationSeconds);
    if (maxDuration.isPresent() && requested.compareTo(maxDuration.get()) > 0) {
      return maxDuration.get();
    }
    return requested.compareTo(MIN_DURATION) < 0 ? MIN_DURATION : requested;
  }

  private Outcome fail(CertificateSigningRequest csr, String message) {
    CertificateSigningRequestCondition failed =
        new CertificateSigningRequestConditionBuilder()
            .withType("Failed")
            .withStatus("True")
            .withReason(FAILED_REASON)
            .withMessage(message)
            .withLastUpdateTime(clock.instant().toString())
            .withLastTransitionTime(clock.instant().toString())
            .build();
    List<CertificateSigningRequestCondition> conditions =
        new ArrayList<>(csr.getStatus().getConditions());
    conditions.add(failed);
    csr.getStatus().setConditions(conditions);
    if (!writeStatus(csr)) {
      return Outcome.RETRY;
    }
    LOG.info("CSR " + csr.getMetadata().getName() + " failed validation: " + message);
    return Outcome.FAILED;
  }

  /** UpdateStatus, as the CSR was read (a conflict means it changed: handle it again). */
  private boolean writeStatus(CertificateSigningRequest csr) {
    try {
      kubernetes.certificates().v1().certificateSigningRequests().resource(csr).updateStatus();
      return true;
    } catch (KubernetesClientException e) {
      LOG.warning(
          "cannot write the status of CSR "
              + csr.getMetadata().getName()
              + " ("
              + e.getCode()
              + "), will retry: "
              + e.getMessage());
      return false;
    }
  }

  /** IsCertificateRequestApproved: an Approved condition and no Denied one. */
  private static boolean approved(CertificateSigningRequest csr) {
    return has(csr, "Approved") && !has(csr, "Denied");
  }

  private static boolean has(CertificateSigningRequest csr, String type) {
    return conditions(csr).stream().anyMatch(c -> type.equals(c.getType()));
  }

  private static boolean hasTrue(CertificateSigningRequest csr, String type) {
    return conditions(csr).stream()
        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static List<CertificateSigningRequestCondition> conditions(
      CertificateSigningRequest csr) {
    return csr.getStatus() == null || csr.getStatus().getConditions() == null
        ? List.of()
        : csr.getStatus().getConditions();
  }
}
