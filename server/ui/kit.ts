import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainFailure } from '../../common/failures.js';
import type { Api } from '../api.js';
import type { Caller } from '../auth.js';
import { problemOf } from '../domain-problems.js';
import { Problem } from '../problem.js';
import { csrfField } from './csrf.js';
import { html, type Html } from './html.js';
import { page } from './pages.js';

// What every page and console form is built with. A console action runs the API's own route
// through `api.invoke`: the same validation, Idempotency-Key and If-Match rules as a request.

const IDEMPOTENCY_FIELD = '_idempotency';
const REQUEST_ID = /^[\w.-]{1,100}$/;
/**
 * How long a form sent again while its first submit still runs (a double click) waits for that
 * submit's answer, to show what it did: well beyond a console action's run, and beyond a claim's
 * lease (server/idempotency.ts), so a first submit that died is taken over instead.
 */
const FIRST_SUBMIT_WAIT_MS = 15_000;

export interface ConsoleRequest {
  headers: Record<string, string>;
  requestId: string;
  waitForRunningMs: number;
}

export interface PageKit {
  api: Api;
  /** Answers a whole page */
  send: (
    res: Response,
    status: number,
    title: string,
    caller: Caller | undefined,
    body: Html,
  ) => void;
  /** Wraps a page: resolves the caller, sends visitors to sign in, renders refusals as pages */
  view: (
    needsCaller: boolean,
    render: (req: Request, res: Response, caller: Caller | undefined) => Promise<void> | void,
  ) => RequestHandler;
  /**
   * Wraps a form post of a signed-in caller: `perform` runs the action and names the page to go
   * to (303). When the rules refuse it, `reshow` answers the form again with the problem (the
   * server's reason and each field's error), and nothing has changed.
   */
  act: (
    perform: (req: Request, res: Response, caller: Caller) => Promise<string>,
    reshow: (req: Request, res: Response, caller: Caller, problem: Problem) => Promise<void> | void,
  ) => RequestHandler;
  /**
   * As `act`, for an action whose answer is shown once (a new API key's secret): `perform` runs
   * it and answers the page itself (200, not stored) instead of naming one to go to.
   */
  actAndShow: (
    perform: (
      req: Request,
      res: Response,
      caller: Caller,
    ) => Promise<{ title: string; body: Html }>,
    reshow: (req: Request, res: Response, caller: Caller, problem: Problem) => Promise<void> | void,
  ) => RequestHandler;
  /** The hidden fields every console form carries: its CSRF token and its Idempotency-Key */
  formFields: (res: Response) => Html;
  /**
   * The Idempotency-Key and request id a form post sends with the route it invokes, and how long
   * a repeat of the same form waits for the first submit's answer
   */
  requestOf: (req: Request, res: Response) => ConsoleRequest;
}

/** The form's own fields, without the hidden ones every form carries. */
export function formBody(req: Request): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
    if (name.startsWith('_') || typeof value !== 'string') continue;
    fields[name] = value;
  }
  return fields;
}

/** Each refused field's message by its name in the form (the API's `body.` path, without it). */
export function fieldMessages(problem: Problem): Map<string, string> {
  const errors = (problem.extensions.errors ?? []) as { field: string; message: string }[];
  return new Map(errors.map((e) => [e.field.replace(/^(body|query|params)\./, ''), e.message]));
}

export function createPageKit(deps: {
  api: Api;
  callerOf: (req: Request) => Promise<Caller | undefined>;
  signedInAs: (caller: Caller) => Promise<string | undefined>;
}): PageKit {
  const send: PageKit['send'] = (res, status, title, caller, body) =>
    res
      .status(status)
      .type('html')
      .send(page(title, caller, body, csrfField(res), res.locals.signedInAs as string | undefined));

  const refused = (error: unknown): Problem | undefined => {
    const problem = error instanceof DomainFailure ? problemOf(error, 'body') : error;
    return problem instanceof Problem && problem.status < 500 ? problem : undefined;
  };
  const errorPage = (res: Response, caller: Caller | undefined, problem: Problem) =>
    send(
      res,
      problem.status,
      'Error',
      caller,
      html`<section><h1>${problem.status}</h1><p class="error">${problem.detail}</p></section>`,
    );
  const signIn = async (req: Request, res: Response) => {
    const caller = await deps.callerOf(req);
    if (caller) res.locals.signedInAs = await deps.signedInAs(caller);
    return caller;
  };

  const action =
    (
      perform: (req: Request, res: Response, caller: Caller) => Promise<void>,
      reshow: Parameters<PageKit['act']>[1],
    ): RequestHandler =>
    async (req, res, next: NextFunction) => {
      let caller: Caller | undefined;
      try {
        caller = await signIn(req, res);
        if (!caller) {
          res.redirect(303, `/ui/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        await perform(req, res, caller);
      } catch (thrown) {
        const problem = refused(thrown);
        if (!problem || !caller) return next(thrown);
        try {
          await reshow(req, res, caller, problem);
        } catch (again) {
          const second = refused(again);
          if (!second) return next(again);
          errorPage(res, caller, second);
        }
      }
    };

  return {
    api: deps.api,
    send,
    view: (needsCaller, render) => async (req, res, next: NextFunction) => {
      let caller: Caller | undefined;
      try {
        caller = await signIn(req, res);
        if (needsCaller && !caller) {
          res.redirect(303, `/ui/login?next=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        await render(req, res, caller);
      } catch (thrown) {
        const problem = refused(thrown);
        if (!problem) return next(thrown);
        errorPage(res, caller, problem);
      }
    },
    act: (perform, reshow) =>
      action(
        async (req, res, caller) => res.redirect(303, await perform(req, res, caller)),
        reshow,
      ),
    actAndShow: (perform, reshow) =>
      action(async (req, res, caller) => {
        const shown = await perform(req, res, caller);
        res.set('Cache-Control', 'no-store');
        send(res, 200, shown.title, caller, shown.body);
      }, reshow),
    formFields: (res) =>
      html`${csrfField(res)}<input type="hidden" name="${IDEMPOTENCY_FIELD}" value="${randomUUID()}">`,
    requestOf: (req, res) => {
      const key = (req.body as Record<string, unknown> | undefined)?.[IDEMPOTENCY_FIELD];
      const requestId = String(res.getHeader('X-Request-Id') ?? randomUUID());
      const headers: Record<string, string> = {};
      if (typeof key === 'string' && key) headers['idempotency-key'] = key;
      return {
        headers,
        requestId: REQUEST_ID.test(requestId) ? requestId : randomUUID(),
        waitForRunningMs: FIRST_SUBMIT_WAIT_MS,
      };
    },
  };
}
