package dev.signet.server.profile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.signet.server.auth.ProvisionerGrant;
import java.util.ArrayList;
import java.util.List;

/**
 * The typed-request validation with any values: node names, addresses, endpoints, service CIDRs,
 * DNS domains and extra SANs either make a certificate content whose every name is a valid DNS name
 * or IP address, or are refused with InvalidParametersException; provisioner grants (globs, CIDRs)
 * parse or are refused with IllegalArgumentException. Nothing else may happen.
 */
class ProfilesFuzzTest {
  private static final Profile[] PROFILES = {
    Profile.APISERVER,
    Profile.ETCD_SERVER,
    Profile.KUBELET_CLIENT,
    Profile.KUBELET_SERVING,
    Profile.SIGNET_API_CLIENT
  };

  @FuzzTest(maxDuration = "10m")
  void typedRequestsMakeValidNamesOrAreRefused(FuzzedDataProvider data) {
    Profile profile = data.pickValue(PROFILES);
    ProfileParameters parameters =
        switch (profile) {
          case APISERVER ->
              new ProfileParameters.Apiserver(
                  text(data), text(data), text(data), text(data), text(data), texts(data));
          case ETCD_SERVER -> new ProfileParameters.EtcdMember(text(data), text(data), texts(data));
          case KUBELET_CLIENT -> new ProfileParameters.KubeletClient(text(data));
          case KUBELET_SERVING -> new ProfileParameters.KubeletServing(text(data), texts(data));
          default -> new ProfileParameters.SignetClient(text(data), text(data));
        };
    try {
      CertificateContent content = Profiles.content(profile, parameters, ClusterDefaults.KUBEADM);
      for (String dns : content.dnsNames()) {
        assertTrue(Names.isDnsName(dns), "an invalid DNS name got through: " + dns);
      }
      assertFalse(content.commonName().isEmpty(), "every certificate has a subject");
    } catch (InvalidParametersException refused) {
      assertFalse(refused.getMessage().isEmpty(), "every refusal says why");
    }
  }

  @FuzzTest(maxDuration = "10m")
  void provisionerConstraintsParseOrAreRefused(FuzzedDataProvider data) {
    try {
      ProvisionerGrant constraints =
          ProvisionerGrant.of(
              "fuzzed",
              List.of(ProvisionerGrant.STANDARD_PROFILES),
              false,
              texts(data),
              texts(data),
              texts(data));
      String name = text(data);
      // a problem, when there is one, is said in words
      constraints.nameProblem(name).ifPresent(problem -> assertFalse(problem.isEmpty()));
      constraints.nodeNameProblem(name).ifPresent(problem -> assertFalse(problem.isEmpty()));
    } catch (IllegalArgumentException refused) {
      assertFalse(refused.getMessage() == null || refused.getMessage().isEmpty());
    }
    String cidr = data.consumeRemainingAsString();
    try {
      Names.firstAddressOf(cidr);
    } catch (IllegalArgumentException refused) {
      assertFalse(refused.getMessage() == null || refused.getMessage().isEmpty());
    }
  }

  private static String text(FuzzedDataProvider data) {
    return data.consumeString(300);
  }

  private static List<String> texts(FuzzedDataProvider data) {
    List<String> values = new ArrayList<>();
    int count = data.consumeInt(0, 5);
    for (int i = 0; i < count; i++) {
      values.add(text(data));
    }
    return values;
  }
}
