import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize } from 'cookie';
import express, { type NextFunction, type Request, type Response } from 'express';
import { html, type Html } from './html.js';

// Cross-site request forgery protection for every form of the pages: a signed synchronizer token.
// Each browser gets a random nonce in an HttpOnly, SameSite=Strict cookie; a form carries
// HMAC(SESSION_SECRET-derived key, nonce + the id of the session signed in, if any) in a hidden
// field, and every request under /ui that is not GET, HEAD or OPTIONS must send it back (the form
// field, or the X-CSRF-Token header for scripts). Another site can neither read the token nor
// make one: it lacks the nonce and the secret, and a token made for one session is refused in
// another (so signing in or out starts a new set). A refused request is a 403 that ran nothing.
//
// Any form: put `${csrfField(res)}` inside it; the check applies to it without more.

const CSRF_FIELD = '_csrf';
const CSRF_HEADER = 'x-csrf-token';
const NONCE_COOKIE = 'cie_csrf';
const NONCE = /^[A-Za-z0-9_-]{43}$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface CsrfLocals {
  csrfToken?: () => string;
}

/** The hidden form field carrying this request's CSRF token; every state-changing form holds it. */
export function csrfField(res: Response): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(res)}">`;
}

/** This request's CSRF token. */
function csrfToken(res: Response): string {
  const token = (res.locals as CsrfLocals).csrfToken;
  if (!token) throw new Error('csrfProtection() must run before a page renders a form');
  return token();
}

/**
 * The middleware for the pages' router: makes the token available to forms, and refuses any
 * state-changing request without a valid one through `refuse` (before any handler runs).
 */
export function csrfProtection(options: {
  sessionSecret: string;
  /** The id of the session the request is signed in with, if any (the token is bound to it) */
  sessionIdOf: (req: Request) => string | undefined;
  /** Answers a refused request (403) */
  refuse: (req: Request, res: Response) => void;
  /** Largest form body read */
  limit?: string;
}) {
  const key = createHmac('sha256', options.sessionSecret).update('ui-csrf').digest();
  const tokenFor = (nonce: string, sessionId: string | undefined) =>
    createHmac('sha256', key)
      .update(`${nonce}\u0000${sessionId ?? ''}`)
      .digest('base64url');
  const readForm = express.urlencoded({ extended: false, limit: options.limit ?? '4kb' });

  return function csrf(req: Request, res: Response, next: NextFunction): void {
    const given = parseCookies(req.headers.cookie ?? '')[NONCE_COOKIE];
    const nonce = given && NONCE.test(given) ? given : undefined;
    let issued: string | undefined;
    (res.locals as CsrfLocals).csrfToken = () => {
      if (!nonce && !issued) {
        issued = randomBytes(32).toString('base64url');
        res.append(
          'Set-Cookie',
          serialize(NONCE_COOKIE, issued, {
            httpOnly: true,
            sameSite: 'strict',
            secure: req.secure,
            path: '/ui',
          }),
        );
      }
      return tokenFor((nonce ?? issued)!, options.sessionIdOf(req));
    };
    if (SAFE_METHODS.has(req.method)) return next();

    readForm(req, res, (error?: unknown) => {
      if (error) return next(error);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const sent = body[CSRF_FIELD] ?? req.get(CSRF_HEADER);
      const expected = nonce ? Buffer.from(tokenFor(nonce, options.sessionIdOf(req))) : undefined;
      const token = typeof sent === 'string' ? Buffer.from(sent) : undefined;
      if (
        !expected ||
        !token ||
        token.length !== expected.length ||
        !timingSafeEqual(token, expected)
      )
        return options.refuse(req, res);
      next();
    });
  };
}
