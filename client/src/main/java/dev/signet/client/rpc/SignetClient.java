package dev.signet.client.rpc;

import com.google.protobuf.ByteString;
import dev.signet.api.v1.AuditEventRecord;
import dev.signet.api.v1.AuditGrpc;
import dev.signet.api.v1.BootstrapGrpc;
import dev.signet.api.v1.CaBundle;
import dev.signet.api.v1.CertificateRecord;
import dev.signet.api.v1.CreateBootstrapTokenRequest;
import dev.signet.api.v1.CreateBootstrapTokenResponse;
import dev.signet.api.v1.CredentialsGrpc;
import dev.signet.api.v1.GetCaBundlesRequest;
import dev.signet.api.v1.GetCertificateRequest;
import dev.signet.api.v1.GetCrlRequest;
import dev.signet.api.v1.GetCrlResponse;
import dev.signet.api.v1.GetServiceAccountKeysRequest;
import dev.signet.api.v1.IssuanceGrpc;
import dev.signet.api.v1.IssueAdminRequest;
import dev.signet.api.v1.IssueApiCredentialRequest;
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
import dev.signet.api.v1.JoinRequest;
import dev.signet.api.v1.JoinResponse;
import dev.signet.api.v1.LedgerGrpc;
import dev.signet.api.v1.ListAuditEventsRequest;
import dev.signet.api.v1.ListCertificatesRequest;
import dev.signet.api.v1.ListCertificatesResponse;
import dev.signet.api.v1.RenewApiCredentialRequest;
import dev.signet.api.v1.RevocationReason;
import dev.signet.api.v1.RevokeIdentityRequest;
import dev.signet.api.v1.RevokeIdentityResponse;
import dev.signet.api.v1.RevokeRequest;
import dev.signet.api.v1.RevokeResponse;
import dev.signet.api.v1.Role;
import dev.signet.api.v1.ServiceAccountKeyStatus;
import dev.signet.api.v1.ServiceAccountKeysGrpc;
import dev.signet.api.v1.TrustDomain;
import dev.signet.api.v1.VerifyAuditRequest;
import dev.signet.api.v1.VerifyAuditResponse;
import dev.signet.api.v1.WitnessedCheckpoint;
import dev.signet.client.ExitCode;
import dev.signet.client.SignetException;
import dev.signet.common.Pem;
import dev.signet.common.SignetdChannel;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A caller of signetd's issuance API: one mutual-TLS channel (TLS 1.3, 1.2 at least; the daemon
 * verified against the signet-api CA, this node by its credential) and one typed call per
 * certificate profile, each with a deadline. Failures come out as {@link SignetException}s that say
 * what happened and what to do; see {@link StatusMessages}.
 *
 * <p>Only CSRs cross the wire: private keys stay with the caller.
 */
public final class SignetClient implements AutoCloseable {
  private final ManagedChannel channel;
  private final ConnectionSettings settings;

  private SignetClient(ManagedChannel channel, ConnectionSettings settings) {
    this.channel = channel;
    this.settings = settings;
  }

  /**
   * Reads the credential files and opens the channel (lazily: the first call connects). A missing
   * or unreadable file is an {@link ExitCode#CONFIG} failure that names it.
   */
  public static SignetClient connect(ConnectionSettings settings) {
    List<X509Certificate> trusted = readCertificates("--ca-bundle", settings.caBundle());
    Optional<SignetdChannel.Credential> credential = Optional.empty();
    if (settings.hasCredential()) {
      List<X509Certificate> chain = readCertificates("--cert", settings.certificate());
      refuseExpired(chain.get(0), settings.certificate());
      credential = Optional.of(new SignetdChannel.Credential(readKey(settings.key()), chain));
    }
    try {
      return new SignetClient(
          SignetdChannel.open(settings.server(), trusted, credential), settings);
    } catch (IOException | IllegalArgumentException e) {
      throw new SignetException(
          ExitCode.CONFIG,
          "cannot use the credential "
              + settings.certificate()
              + " with its key "
              + settings.key()
              + ": "
              + e.getMessage()
              + ". Check that --cert and --key belong together.");
    }
  }

  /** The CA certificates of every trust domain, current CA first. */
  public Map<TrustDomain, List<X509Certificate>> caBundles() {
    Map<TrustDomain, List<X509Certificate>> bundles = new EnumMap<>(TrustDomain.class);
    for (CaBundle bundle :
        call("GetCaBundles", () -> stub().getCaBundles(GetCaBundlesRequest.getDefaultInstance()))
            .getBundlesList()) {
      List<X509Certificate> certificates = new ArrayList<>();
      for (ByteString der : bundle.getCertificatesDerList()) {
        certificates.add(parse(der.toByteArray()));
      }
      bundles.put(bundle.getTrustDomain(), List.copyOf(certificates));
    }
    return bundles;
  }

  /** Asks for one certificate of {@code profile} for the key that signed {@code csrDer}. */
  public IssueCertificateResponse issue(Profile profile, Parameters p, byte[] csrDer) {
    ByteString csr = ByteString.copyFrom(csrDer);
    IssuanceGrpc.IssuanceBlockingStub stub = stub();
    return call(
        profile.id(),
        () ->
            switch (profile) {
              case APISERVER ->
                  stub.issueApiserver(
                      IssueApiserverRequest.newBuilder()
                          .setCsrDer(csr)
                          .setNodeName(p.nodeName())
                          .setAdvertiseAddress(p.advertiseAddress())
                          .setControlPlaneEndpoint(p.controlPlaneEndpoint())
                          .setServiceCidr(p.serviceCidr())
                          .setDnsDomain(p.dnsDomain())
                          .addAllExtraSans(p.extraSans())
                          .build());
              case APISERVER_KUBELET_CLIENT ->
                  stub.issueApiserverKubeletClient(
                      IssueApiserverKubeletClientRequest.newBuilder().setCsrDer(csr).build());
              case FRONT_PROXY_CLIENT ->
                  stub.issueFrontProxyClient(
                      IssueFrontProxyClientRequest.newBuilder().setCsrDer(csr).build());
              case ETCD_SERVER ->
                  stub.issueEtcdServer(
                      IssueEtcdServerRequest.newBuilder()
                          .setCsrDer(csr)
                          .setNodeName(p.nodeName())
                          .setAdvertiseAddress(p.advertiseAddress())
                          .addAllExtraSans(p.extraSans())
                          .build());
              case ETCD_PEER ->
                  stub.issueEtcdPeer(
                      IssueEtcdPeerRequest.newBuilder()
                          .setCsrDer(csr)
                          .setNodeName(p.nodeName())
                          .setAdvertiseAddress(p.advertiseAddress())
                          .addAllExtraSans(p.extraSans())
                          .build());
              case ETCD_HEALTHCHECK_CLIENT ->
                  stub.issueEtcdHealthcheckClient(
                      IssueEtcdHealthcheckClientRequest.newBuilder().setCsrDer(csr).build());
              case APISERVER_ETCD_CLIENT ->
                  stub.issueApiserverEtcdClient(
                      IssueApiserverEtcdClientRequest.newBuilder().setCsrDer(csr).build());
              case ADMIN -> stub.issueAdmin(IssueAdminRequest.newBuilder().setCsrDer(csr).build());
              case SUPER_ADMIN ->
                  stub.issueSuperAdmin(IssueSuperAdminRequest.newBuilder().setCsrDer(csr).build());
              case CONTROLLER_MANAGER ->
                  stub.issueControllerManager(
                      IssueControllerManagerRequest.newBuilder().setCsrDer(csr).build());
              case SCHEDULER ->
                  stub.issueScheduler(IssueSchedulerRequest.newBuilder().setCsrDer(csr).build());
              case KUBE_PROXY ->
                  stub.issueKubeProxy(IssueKubeProxyRequest.newBuilder().setCsrDer(csr).build());
              case KUBELET_CLIENT ->
                  stub.issueKubeletClient(
                      IssueKubeletClientRequest.newBuilder()
                          .setCsrDer(csr)
                          .setNodeName(p.nodeName())
                          .build());
              case KUBELET_SERVING ->
                  stub.issueKubeletServing(
                      IssueKubeletServingRequest.newBuilder()
                          .setCsrDer(csr)
                          .setNodeName(p.nodeName())
                          .addAllAddresses(p.addresses())
                          .build());
            });
  }

  /**
   * A kubelet client or serving certificate for a CertificateSigningRequest of the Kubernetes CSR
   * API (signet-csr-signer): under {@code requestId}, so that a CSR signed twice gets the same
   * certificate, and living at most {@code maxLifetime} (zero: the daemon's issuance.validity).
   */
  public IssueCertificateResponse issueForCsrApi(
      Profile profile,
      String nodeName,
      List<String> addresses,
      byte[] csrDer,
      String requestId,
      Duration maxLifetime) {
    ByteString csr = ByteString.copyFrom(csrDer);
    return call(
        profile.id(),
        () ->
            switch (profile) {
              case KUBELET_CLIENT ->
                  stub()
                      .issueKubeletClient(
                          IssueKubeletClientRequest.newBuilder()
                              .setCsrDer(csr)
                              .setRequestId(requestId)
                              .setNodeName(nodeName)
                              .setMaxLifetimeSeconds(maxLifetime.toSeconds())
                              .build());
              case KUBELET_SERVING ->
                  stub()
                      .issueKubeletServing(
                          IssueKubeletServingRequest.newBuilder()
                              .setCsrDer(csr)
                              .setRequestId(requestId)
                              .setNodeName(nodeName)
                              .addAllAddresses(addresses)
                              .setMaxLifetimeSeconds(maxLifetime.toSeconds())
                              .build());
              default ->
                  throw new IllegalArgumentException(
                      "the CSR API signer issues kubelet certificates only, not " + profile.id());
            });
  }

  /** The service-account signing key's generations and the public keys tokens verify with. */
  public ServiceAccountKeyStatus serviceAccountKeys() {
    return call(
        "GetServiceAccountKeys",
        () ->
            deadline(ServiceAccountKeysGrpc.newBlockingStub(channel))
                .getServiceAccountKeys(GetServiceAccountKeysRequest.getDefaultInstance()));
  }

  /**
   * Creates a single-use bootstrap token for one node and its addresses; null ttl: signetd's
   * default.
   */
  public CreateBootstrapTokenResponse createBootstrapToken(
      String node, List<String> addresses, Duration ttl) {
    CreateBootstrapTokenRequest.Builder request =
        CreateBootstrapTokenRequest.newBuilder().setNodeName(node).addAllAddresses(addresses);
    if (ttl != null) {
      request.setTtl(
          com.google.protobuf.Duration.newBuilder()
              .setSeconds(ttl.getSeconds())
              .setNanos(ttl.getNano()));
    }
    return call(
        "CreateBootstrapToken",
        () ->
            deadline(CredentialsGrpc.newBlockingStub(channel))
                .createBootstrapToken(request.build()));
  }

  /**
   * Spends a bootstrap token for this node's Signet API credential (enrollment port, no
   * credential).
   */
  public JoinResponse join(JoinRequest request) {
    return call("Join", () -> deadline(BootstrapGrpc.newBlockingStub(channel)).join(request));
  }

  /** Revokes one certificate; with {@code waitForCrl}, answers once a CRL lists it. */
  public RevokeResponse revoke(String serial, RevocationReason reason, boolean waitForCrl) {
    RevokeRequest request =
        RevokeRequest.newBuilder()
            .setSerial(serial)
            .setReason(reason)
            .setWaitForCrl(waitForCrl)
            .build();
    return call("Revoke", () -> deadline(LedgerGrpc.newBlockingStub(channel)).revoke(request));
  }

  /**
   * Revokes every live credential of {@code identity} with its renewal line, and a node's kubelet
   * certificates; with {@code dryRun} only lists them.
   */
  public RevokeIdentityResponse revokeIdentity(
      String identity, RevocationReason reason, boolean dryRun, boolean waitForCrl) {
    RevokeIdentityRequest request =
        RevokeIdentityRequest.newBuilder()
            .setIdentity(identity)
            .setReason(reason)
            .setDryRun(dryRun)
            .setWaitForCrl(waitForCrl)
            .build();
    return call(
        "RevokeIdentity",
        () -> deadline(LedgerGrpc.newBlockingStub(channel)).revokeIdentity(request));
  }

  /** Issues a Signet API credential of {@code role} named {@code name} for the key of the CSR. */
  public IssueCertificateResponse issueApiCredential(Role role, String name, byte[] csrDer) {
    IssueApiCredentialRequest request =
        IssueApiCredentialRequest.newBuilder()
            .setRole(role)
            .setName(name)
            .setCsrDer(ByteString.copyFrom(csrDer))
            .build();
    return call(
        "IssueApiCredential",
        () ->
            deadline(CredentialsGrpc.newBlockingStub(channel))
                .issueApiCredential(request)
                .getCredential());
  }

  /** The current CRL of a generation of the trust domain's CA (0: the one that signs now). */
  public GetCrlResponse crl(TrustDomain domain, int generation) {
    GetCrlRequest request =
        GetCrlRequest.newBuilder().setTrustDomain(domain).setGeneration(generation).build();
    return call("GetCrl", () -> deadline(LedgerGrpc.newBlockingStub(channel)).getCrl(request));
  }

  /**
   * Renews this caller's own Signet API credential (same name and role) for the new key that signed
   * {@code csrDer}; how agents keep their credential alive.
   */
  public IssueCertificateResponse renewApiCredential(byte[] csrDer) {
    RenewApiCredentialRequest request =
        RenewApiCredentialRequest.newBuilder().setCsrDer(ByteString.copyFrom(csrDer)).build();
    return call(
        "RenewApiCredential",
        () ->
            deadline(CredentialsGrpc.newBlockingStub(channel))
                .renewApiCredential(request)
                .getCredential());
  }

  /**
   * Asks signetd to verify its audit trail and that its ledger extends {@code witnessed} (ca-admin,
   * auditor).
   */
  public VerifyAuditResponse verifyAudit(List<WitnessedCheckpoint> witnessed) {
    VerifyAuditRequest request = VerifyAuditRequest.newBuilder().addAllWitnessed(witnessed).build();
    return call(
        "VerifyAudit", () -> deadline(AuditGrpc.newBlockingStub(channel)).verifyAudit(request));
  }

  /**
   * Up to {@code pageSize} audit events after {@code afterSeq}, oldest first (ca-admin, auditor).
   */
  public List<AuditEventRecord> auditEvents(long afterSeq, int pageSize) {
    ListAuditEventsRequest request =
        ListAuditEventsRequest.newBuilder().setAfterSeq(afterSeq).setPageSize(pageSize).build();
    return call(
            "ListAuditEvents",
            () -> deadline(AuditGrpc.newBlockingStub(channel)).listAuditEvents(request))
        .getEventsList();
  }

  /** One page of the certificate listing (ca-admin, auditor). */
  public ListCertificatesResponse listCertificates(ListCertificatesRequest request) {
    return call(
        "ListCertificates",
        () -> deadline(LedgerGrpc.newBlockingStub(channel)).listCertificates(request));
  }

  /** One certificate's record by serial, lowercase hex (ca-admin, auditor). */
  public CertificateRecord certificate(String serial) {
    GetCertificateRequest request = GetCertificateRequest.newBuilder().setSerial(serial).build();
    return call(
        "GetCertificate",
        () -> deadline(LedgerGrpc.newBlockingStub(channel)).getCertificate(request));
  }

  /** The signet-api CA bundle this client trusts signetd with ({@code --ca-bundle}). */
  public List<X509Certificate> caBundle() {
    return readCertificates("--ca-bundle", settings.caBundle());
  }

  private IssuanceGrpc.IssuanceBlockingStub stub() {
    return deadline(IssuanceGrpc.newBlockingStub(channel));
  }

  private <S extends AbstractStub<S>> S deadline(S stub) {
    return stub.withDeadlineAfter(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private <T> T call(String what, Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw StatusMessages.failure(e, what, settings);
    }
  }

  /** Parses one DER certificate. */
  public static X509Certificate parse(byte[] der) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> readCertificates(String option, Path file) {
    byte[] pem;
    try {
      pem = Files.readAllBytes(file);
    } catch (IOException e) {
      throw credentialProblem(option, file, SignetException.describe(e));
    }
    List<byte[]> ders;
    try {
      ders = Pem.readCertificates(new String(pem, StandardCharsets.US_ASCII));
      if (ders.isEmpty()) {
        throw credentialProblem(option, file, "no CERTIFICATE block in it");
      }
      return ders.stream().map(SignetClient::parse).toList();
    } catch (IOException | IllegalArgumentException e) {
      throw credentialProblem(option, file, "not a readable PEM certificate");
    }
  }

  /**
   * signetd would refuse an expired credential in the handshake with a bare TLS alert; saying so
   * here names the file and the way out, which matters most when a whole node has expired.
   */
  private static void refuseExpired(X509Certificate credential, Path file) {
    Instant notAfter = credential.getNotAfter().toInstant();
    if (!notAfter.isAfter(Instant.now())) {
      throw new SignetException(
          ExitCode.CONFIG,
          "the credential --cert "
              + file
              + " expired at "
              + notAfter
              + " and signetd would refuse it. Use a"
              + " current one: for the operator credential, run `signetd init` on the daemon's host, which"
              + " replaces an expired operator.crt (keeping the old files as .bak).");
    }
  }

  private static PrivateKey readKey(Path file) {
    byte[] pem;
    try {
      pem = Files.readAllBytes(file);
    } catch (IOException e) {
      throw credentialProblem("--key", file, SignetException.describe(e));
    }
    try {
      return Pem.readPrivateKey(pem);
    } catch (IOException | RuntimeException e) {
      // A parser's message may quote the input; say only that it is not a key.
      throw credentialProblem("--key", file, "not a readable PEM private key (EC, RSA or PKCS#8)");
    } finally {
      Arrays.fill(pem, (byte) 0);
    }
  }

  private static SignetException credentialProblem(String option, Path file, String what) {
    return new SignetException(
        ExitCode.CONFIG,
        "cannot read "
            + option
            + " "
            + file
            + ": "
            + what
            + ". Give the files signetd init wrote (operator/ca.crt, operator.crt, operator.key) with"
            + " --ca-bundle, --cert and --key, or in the client configuration (--config).");
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
