import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize } from 'cookie';
import type { Request, Response } from 'express';
import type { ApiKeys } from '../../services/api-keys.js';
import { authenticate, type Caller } from '../auth.js';

// Browsers cannot send a bearer key when following a link, so the pages accept a signed session
// cookie made at login from the same API key. It names the key (never holds it) and expires;
// each request re-checks the key, so a revoked key ends its sessions.

const SESSION_COOKIE = 'cie_session';
const SESSION_HOURS = 8;

interface SessionClaims {
  /** "operator", or the id of an org API key */
  sub: string;
  exp: number;
}

export interface Sessions {
  /** The caller from a bearer header or the session cookie; undefined when neither is valid. */
  callerOf(req: Request): Promise<Caller | undefined>;
  start(res: Response, caller: Caller, secure: boolean): void;
  end(res: Response): void;
}

export function createSessions(deps: { apiKeys: ApiKeys; operatorApiKey: string }): Sessions {
  const secret = createHash('sha256').update(`ui-session:${deps.operatorApiKey}`).digest();
  const sign = (payload: string) =>
    createHmac('sha256', secret).update(payload).digest('base64url');

  function read(req: Request): SessionClaims | undefined {
    const token = parseCookies(req.headers.cookie ?? '')[SESSION_COOKIE];
    if (!token) return undefined;
    const [payload, signature] = token.split('.');
    if (!payload || !signature) return undefined;
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const claims = JSON.parse(
        Buffer.from(payload, 'base64url').toString('utf8'),
      ) as SessionClaims;
      return typeof claims.sub === 'string' &&
        typeof claims.exp === 'number' &&
        claims.exp > Date.now()
        ? claims
        : undefined;
    } catch {
      return undefined;
    }
  }

  return {
    async callerOf(req) {
      if (req.get('authorization')) return authenticate(req, 'operatorOrOrg', deps);
      const claims = read(req);
      if (!claims) return undefined;
      if (claims.sub === 'operator') return { kind: 'operator', actor: 'operator' };
      const identity = await deps.apiKeys.findById(claims.sub);
      return identity
        ? { kind: 'org', actor: `api-key:${identity.apiKeyId}`, ...identity }
        : undefined;
    },

    start(res, caller, secure) {
      const claims: SessionClaims = {
        sub: caller.kind === 'operator' ? 'operator' : caller.apiKeyId,
        exp: Date.now() + SESSION_HOURS * 3600_000,
      };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      res.append(
        'Set-Cookie',
        serialize(SESSION_COOKIE, `${payload}.${sign(payload)}`, {
          httpOnly: true,
          sameSite: 'strict',
          secure,
          path: '/ui',
          maxAge: SESSION_HOURS * 3600,
        }),
      );
    },

    end(res) {
      res.append(
        'Set-Cookie',
        serialize(SESSION_COOKIE, '', {
          httpOnly: true,
          sameSite: 'strict',
          path: '/ui',
          maxAge: 0,
        }),
      );
    },
  };
}
