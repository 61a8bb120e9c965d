/**
 * Admin operations served by the log itself (the admin gate, admin.ts, has
 * already checked the role and the one-time code and recorded the request):
 *
 *   POST /api/v1/admin/tokens/reload   re-read the tokens file (--tokens-file):
 *       200 {"tokens": <count>, "admins": <count with role admin>}; a file
 *       that cannot be read or is refused → 422 RELOAD_REFUSED, and the
 *       tokens in force stay in force.
 *   POST /api/v1/admin/witnesses/reload   re-read the server's settings (flags, environment, the
 *       --config file) and replace the witnesses cosignatures are collected from, with their
 *       timing settings: 200 {"witnesses": [{"name", "url"}]}; settings that cannot be read or
 *       are refused → 422 RELOAD_REFUSED, and the witnesses in force stay in force. Other
 *       settings are not changed by a reload.
 */
import { LogError, describeError, isLogError } from '../../errors.js';
import type { TokenRecord } from '../auth.js';
import { jsonReply } from '../reply.js';
import { post, type Route } from '../route.js';

export interface AdminOperations {
  /** Re-reads the tokens file and puts it in force; throws (nothing changed) when it is refused. */
  reloadTokens?(): readonly TokenRecord[];
  /** Re-reads the settings and replaces the witnesses; rejects (nothing changed) when they are refused. */
  reloadWitnesses?(): Promise<readonly { readonly name: string; readonly url: string }[]>;
}

export function adminRoutes(ops: AdminOperations): Route[] {
  return [
    post('/api/v1/admin/tokens/reload', 'json', () => {
      if (ops.reloadTokens === undefined) throw new LogError('RELOAD_REFUSED', 'this server has no tokens file to reload');
      let tokens: readonly TokenRecord[];
      try {
        tokens = ops.reloadTokens();
      } catch (err) {
        if (isLogError(err, 'RELOAD_REFUSED')) throw err;
        throw new LogError('RELOAD_REFUSED', `couldn't reload the tokens; the tokens in force stay in force: ${describeError(err)}`, { cause: err });
      }
      return jsonReply({ tokens: tokens.length, admins: tokens.filter((t) => t.roles.includes('admin')).length });
    }),
    post('/api/v1/admin/witnesses/reload', 'json', async () => {
      if (ops.reloadWitnesses === undefined) throw new LogError('RELOAD_REFUSED', 'this server cannot re-read its settings');
      try {
        return jsonReply({ witnesses: await ops.reloadWitnesses() });
      } catch (err) {
        if (isLogError(err, 'RELOAD_REFUSED')) throw err;
        throw new LogError('RELOAD_REFUSED', `couldn't reload the witnesses; the witnesses in force stay in force: ${describeError(err)}`, { cause: err });
      }
    }),
  ];
}
