import type { Request } from 'express';
import { secretsEqual, type ApiKeyIdentity, type ApiKeys } from '../services/api-keys.js';
import { Problem } from './problem.js';

export type Caller =
  { kind: 'operator'; actor: 'operator' } | ({ kind: 'org'; actor: string } & ApiKeyIdentity);

/** Who may call a route: nobody needs a key, the operator only, an org key only, or either. */
export type Access = 'public' | 'operator' | 'org' | 'operatorOrOrg';

export async function authenticate(
  req: Request,
  access: Access,
  deps: { apiKeys: ApiKeys; operatorApiKey: string },
): Promise<Caller | undefined> {
  if (access === 'public') return undefined;
  const header = req.get('authorization');
  if (!header)
    throw new Problem('UNAUTHENTICATED', 'send the API key as "Authorization: Bearer <key>"');
  const match = /^Bearer ([\x21-\x7e]{1,200})$/i.exec(header);
  if (!match?.[1])
    throw new Problem('UNAUTHENTICATED', 'the Authorization header must be "Bearer <key>"');
  const token = match[1];

  if (secretsEqual(token, deps.operatorApiKey)) {
    const operator: Caller = { kind: 'operator', actor: 'operator' };
    authorize(operator, access);
    return operator;
  }
  const identity = await deps.apiKeys.find(token);
  if (!identity) throw new Problem('UNAUTHENTICATED', 'the API key is not valid');
  const caller: Caller = { kind: 'org', actor: `api-key:${identity.apiKeyId}`, ...identity };
  authorize(caller, access);
  return caller;
}

/** Refuses a caller the route's access does not admit (a caller already known, e.g. a session's). */
export function authorize(caller: Caller | undefined, access: Access): void {
  if (access === 'public') return;
  if (!caller) throw new Problem('UNAUTHENTICATED', 'sign in with an API key');
  if (caller.kind === 'operator' && access === 'org')
    throw new Problem('FORBIDDEN', 'this route needs an org API key, not the operator key');
  if (caller.kind === 'org' && access === 'operator')
    throw new Problem('FORBIDDEN', 'this route needs the operator API key');
}

/** Idempotency keys are remembered per caller, so two orgs' keys never collide. */
export function idempotencyScope(caller: Caller | undefined): string {
  if (!caller) return 'public';
  return caller.kind === 'operator' ? 'operator' : caller.environmentId;
}

/** The org environment an org key acts in; routes with access 'org' always have one. */
export function tenantOf(caller: Caller | undefined): { orgId: string; environmentId: string } {
  if (caller?.kind !== 'org') throw new Problem('FORBIDDEN', 'this route needs an org API key');
  return { orgId: caller.orgId, environmentId: caller.environmentId };
}

/** Who made the request, for audit rows. */
export function actorOf(
  caller: Caller | undefined,
  requestId: string,
): { actor: string; requestId: string } {
  return { actor: caller?.actor ?? 'anonymous', requestId };
}
