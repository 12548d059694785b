package dev.signet.server.ledger;

import dev.signet.server.database.LedgerException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Nodes Signet knows, with the addresses their kubelet serving certificates may name. */
public interface Nodes {
  /** A registered node. */
  record Node(String name, List<String> addresses, String registeredBy, Instant registeredAt) {}

  Optional<Node> find(String name) throws LedgerException;

  /** Registers a node, or replaces its addresses; durable when this returns. */
  void register(Node node) throws LedgerException;
}
