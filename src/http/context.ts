/** What every Rekor API router is built from: the log, the compiled API contract and the request limits. */
import type { LogService } from '../log/index.js';
import type { Admission } from '../admission/index.js';
import type { ApiSpec } from '../api/index.js';
import type { SubmitTimings } from './submit-timings.js';
import type { ClusterHooks } from './cluster.js';
import type { FullTileCache } from './full-tiles.js';

export interface ApiLimits {
  /** Largest canonical entry body, bytes (≤ 65,535); beyond it 413 TOO_LARGE. */
  readonly maxEntryBytes: number;
  /** Most certificates in a submitted chain. */
  readonly maxChainLength: number;
  /** Most items (UUIDs + indexes + entries) in one entries/retrieve request; beyond it 422 TOO_MANY. */
  readonly maxSearchItems: number;
  /** Most entry IDs one index/retrieve answer holds (ascending by log index). */
  readonly maxSearchResults: number;
}

export interface RouteContext {
  readonly log: LogService;
  readonly api: ApiSpec;
  readonly limits: ApiLimits;
  /** Where submitted entries are validated, verified and canonicalised. */
  readonly admission: Admission;
  /** Per-stage time of successful submissions, for /metrics. */
  readonly timings: SubmitTimings;
  /** The served bytes of full tiles and bundles, shared by every log's tile routes (full-tiles.ts). */
  readonly fullTiles?: FullTileCache;
  /** On a node of several on one database: where admitted entries go (cluster.ts); absent: this node sequences them. */
  readonly cluster?: ClusterHooks;
}
