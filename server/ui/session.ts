import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize } from 'cookie';
import type { Request, Response } from 'express';
import type { ApiKeys } from '../../services/api-keys.js';
import type { EndedSessions } from '../../services/sessions.js';
import { authenticate, type Caller } from '../auth.js';

// Browsers cannot send a bearer key when following a link, so the pages accept a signed session
// cookie made at login from the same API key, signed with SESSION_SECRET. It names the key (never
// holds it) and expires; each request re-reads the key from the database, so revoking the key (or
// its expiry after a rotation) ends its sessions at the next request. Signing out records the
// session's id as ended, so a copy of the cookie kept elsewhere stops working too.

const SESSION_COOKIE = 'cie_session';
const SESSION_HOURS = 8;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SessionClaims {
  /** The session's own id, recorded when it is signed out */
  sid: string;
  /** "operator", or the id of an org API key */
  sub: string;
  exp: number;
}

export interface Sessions {
  /** The caller from a bearer header or the session cookie; undefined when neither is valid. */
  callerOf(req: Request): Promise<Caller | undefined>;
  /** The id of the session the request's cookie carries, if its signature and time are good. */
  sessionIdOf(req: Request): string | undefined;
  start(res: Response, caller: Caller, secure: boolean): void;
  /** Ends the request's session for good (not only in this browser) and clears its cookie. */
  end(req: Request, res: Response): Promise<void>;
}

export function createSessions(deps: {
  apiKeys: ApiKeys;
  operatorApiKey: string;
  sessionSecret: string;
  endedSessions: EndedSessions;
}): Sessions {
  const secret = createHmac('sha256', deps.sessionSecret).update('ui-session').digest();
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
      return typeof claims.sid === 'string' &&
        UUID.test(claims.sid) &&
        typeof claims.sub === 'string' &&
        typeof claims.exp === 'number' &&
        claims.exp > Date.now()
        ? claims
        : undefined;
    } catch {
      return undefined;
    }
  }

  const clear = (res: Response) =>
    res.append(
      'Set-Cookie',
      serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/ui', maxAge: 0 }),
    );

  return {
    async callerOf(req) {
      if (req.get('authorization')) return authenticate(req, 'operatorOrOrg', deps);
      const claims = read(req);
      if (!claims) return undefined;
      const [ended, identity] = await Promise.all([
        deps.endedSessions.isEnded(claims.sid),
        claims.sub === 'operator' ? undefined : deps.apiKeys.findById(claims.sub),
      ]);
      if (ended) return undefined;
      if (claims.sub === 'operator') return { kind: 'operator', actor: 'operator' };
      return identity
        ? { kind: 'org', actor: `api-key:${identity.apiKeyId}`, ...identity }
        : undefined;
    },

    sessionIdOf(req) {
      return read(req)?.sid;
    },

    start(res, caller, secure) {
      const claims: SessionClaims = {
        sid: randomUUID(),
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

    async end(req, res) {
      const claims = read(req);
      if (claims) await deps.endedSessions.end(claims.sid, new Date(claims.exp));
      clear(res);
    },
  };
}
