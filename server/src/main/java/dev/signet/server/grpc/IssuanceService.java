package dev.signet.server.grpc;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.CaBundle;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.GetCaBundlesResponse;
import dev.signet.api.v1.IssuanceGrpc;
import dev.signet.api.v1.IssueAdminRequest;
import dev.signet.api.v1.IssueApiserverEtcdClientRequest;
import dev.signet.api.v1.IssueApiserverKubeletClientRequest;
import dev.signet.api.v1.IssueApiserverRequest;
import dev.signet.api.v1.IssueCertificateResponse;
import dev.signet.api.v1.IssueControllerManagerRequest;
import dev.signet.api.v1.IssueEtcdHealthcheckClientRequest;
import dev.signet.api.v1.IssueEtcdPeerRequest;
import dev.signet.api.v1.IssueEtcdServerRequest;
import dev.signet.api.v1.IssueFrontProxyClientRequest;
import dev.signet.api.v1.IssueKubeProxyRequest;
import dev.signet.api.v1.IssueKubeletClientRequest;
import dev.signet.api.v1.IssueKubeletServingRequest;
import dev.signet.api.v1.IssueSchedulerRequest;
import dev.signet.api.v1.IssueSuperAdminRequest;
import dev.signet.server.ca.CaRegistry;
import dev.signet.server.issuance.IssuanceException;
import dev.signet.server.issuance.IssuancePipeline;
import dev.signet.server.profile.Profile;
import dev.signet.server.profile.ProfileParameters;
import dev.signet.server.profile.TrustDomain;
import io.grpc.stub.StreamObserver;
import java.time.Duration;

/**
 * The {@code signet.v1.Issuance} service: maps each typed RPC onto its profile and parameters and
 * hands it to the {@link IssuancePipeline}. No rule of issuance lives here.
 */
final class IssuanceService extends IssuanceGrpc.IssuanceImplBase {
  private final IssuancePipeline pipeline;
  private final CaRegistry cas;

  IssuanceService(IssuancePipeline pipeline, CaRegistry cas) {
    this.pipeline = pipeline;
    this.cas = cas;
  }

  @Override
  public void issueApiserver(
      IssueApiserverRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(
        out,
        Profile.APISERVER,
        r.getCsrDer(),
        r.getRequestId(),
        new ProfileParameters.Apiserver(
            r.getNodeName(),
            r.getAdvertiseAddress(),
            r.getControlPlaneEndpoint(),
            r.getServiceCidr(),
            r.getDnsDomain(),
            r.getExtraSansList()));
  }

  @Override
  public void issueApiserverKubeletClient(
      IssueApiserverKubeletClientRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.APISERVER_KUBELET_CLIENT, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueFrontProxyClient(
      IssueFrontProxyClientRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.FRONT_PROXY_CLIENT, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueEtcdServer(
      IssueEtcdServerRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(
        out,
        Profile.ETCD_SERVER,
        r.getCsrDer(),
        r.getRequestId(),
        new ProfileParameters.EtcdMember(
            r.getNodeName(), r.getAdvertiseAddress(), r.getExtraSansList()));
  }

  @Override
  public void issueEtcdPeer(IssueEtcdPeerRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(
        out,
        Profile.ETCD_PEER,
        r.getCsrDer(),
        r.getRequestId(),
        new ProfileParameters.EtcdMember(
            r.getNodeName(), r.getAdvertiseAddress(), r.getExtraSansList()));
  }

  @Override
  public void issueEtcdHealthcheckClient(
      IssueEtcdHealthcheckClientRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.ETCD_HEALTHCHECK_CLIENT, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueApiserverEtcdClient(
      IssueApiserverEtcdClientRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.APISERVER_ETCD_CLIENT, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueAdmin(IssueAdminRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.ADMIN, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueSuperAdmin(
      IssueSuperAdminRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.SUPER_ADMIN, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueControllerManager(
      IssueControllerManagerRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.CONTROLLER_MANAGER, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueScheduler(
      IssueSchedulerRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.SCHEDULER, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueKubeProxy(
      IssueKubeProxyRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(out, Profile.KUBE_PROXY, r.getCsrDer(), r.getRequestId(), none());
  }

  @Override
  public void issueKubeletClient(
      IssueKubeletClientRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(
        out,
        Profile.KUBELET_CLIENT,
        r.getCsrDer(),
        r.getRequestId(),
        new ProfileParameters.KubeletClient(r.getNodeName()),
        r.getMaxLifetimeSeconds());
  }

  @Override
  public void issueKubeletServing(
      IssueKubeletServingRequest r, StreamObserver<IssueCertificateResponse> out) {
    issue(
        out,
        Profile.KUBELET_SERVING,
        r.getCsrDer(),
        r.getRequestId(),
        new ProfileParameters.KubeletServing(r.getNodeName(), r.getAddressesList()),
        r.getMaxLifetimeSeconds());
  }

  @Override
  public void getCaBundles(GetCaBundlesRequest request, StreamObserver<GetCaBundlesResponse> out) {
    GetCaBundlesResponse.Builder response = GetCaBundlesResponse.newBuilder();
    for (TrustDomain domain : TrustDomain.values()) {
      response.addBundles(
          CaBundle.newBuilder()
              .setTrustDomain(Protos.trustDomain(domain))
              .addAllCertificatesDer(Protos.ders(cas.bundle(domain))));
    }
    out.onNext(response.build());
    out.onCompleted();
  }

  private static ProfileParameters none() {
    return new ProfileParameters.None();
  }

  private void issue(
      StreamObserver<IssueCertificateResponse> out,
      Profile profile,
      ByteString csr,
      String requestId,
      ProfileParameters parameters) {
    issue(out, profile, csr, requestId, parameters, 0);
  }

  private void issue(
      StreamObserver<IssueCertificateResponse> out,
      Profile profile,
      ByteString csr,
      String requestId,
      ProfileParameters parameters,
      long maxLifetimeSeconds) {
    CallRecord.issuing(profile.id(), parameters.nodeName(), requestId);
    Calls.answer(
        out,
        "issue " + profile.id(),
        () -> {
          IssuancePipeline.Issued issued =
              pipeline.issue(
                  CallerInterceptor.current(),
                  new IssuancePipeline.Request(
                      profile,
                      parameters,
                      csr.toByteArray(),
                      requestId,
                      "",
                      maxLifetime(maxLifetimeSeconds)));
          IssueCertificateResponse response = Protos.response(issued);
          CallRecord.current().serial = response.getSerial();
          return response;
        });
  }

  /** Kubernetes' floor for spec.expirationSeconds, and twice the default backdate. */
  private static final long MIN_LIFETIME_SECONDS = 600;

  private static Duration maxLifetime(long seconds) throws IssuanceException {
    if (seconds != 0 && seconds < MIN_LIFETIME_SECONDS) {
      throw new IssuanceException.InvalidRequest(
          "INVALID_PARAMETERS",
          "max_lifetime_seconds must be 0 (the daemon's issuance.validity) or at least "
              + MIN_LIFETIME_SECONDS);
    }
    return Duration.ofSeconds(seconds);
  }
}
