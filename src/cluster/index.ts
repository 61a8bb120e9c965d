/**
 * Several Cairn nodes on one PostgreSQL database: the lease loop and the
 * node's role (coordinator.ts), forwarding admitted entries to the
 * sequencing node (forward.ts, node.ts), the cluster secret that
 * authenticates them (secret.ts), admin reloads followed by every node
 * (reloads.ts). The listener that tells followers of new checkpoints is
 * PostgreSQL's own (src/storage/postgres/checkpoint-listener.ts). Built by
 * the composition root (src/cli).
 */
export { ClusterCoordinator, type ClusterRole, type ClusterStatus, type CoordinatorOptions, type Lease, type Sequencing } from './coordinator.js';
export { Forwarder, type ForwarderOptions } from './forward.js';
export { ClusterNode } from './node.js';
export { clusterAdminAudit } from './admin-audit.js';
export { CLUSTER_SECRET_META, checkClusterMac, clusterMac, clusterSecret } from './secret.js';
export { ClusterReloads, RELOAD_POLL_MS, type ClusterReloadsOptions, type ReloadKind, type ReloadRequests } from './reloads.js';
