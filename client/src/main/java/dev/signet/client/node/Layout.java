package dev.signet.client.node;

/**
 * Where files go in an output directory. {@link #KUBEADM} mirrors {@code /etc/kubernetes} as
 * kubeadm lays it out; {@link #FLAT} puts PEM pairs side by side under the seed's names.
 */
public enum Layout {
  /** pki/ca.crt, pki/apiserver.crt, pki/etcd/server.crt, admin.conf, ... */
  KUBEADM,
  /** ca.crt, apiserver.crt, etcdserver.crt, admin.crt, ...: PEM pairs instead of kubeconfigs. */
  FLAT;
}
