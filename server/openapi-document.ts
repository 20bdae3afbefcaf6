import { createRequire } from 'node:module';
import express from 'express';
import { Api } from './api.js';
import { registerApiRoutes } from './app.js';

// The API's OpenAPI document built in-process, without a database, Temporal or a listening
// server: for `npm run lint:openapi`, `npm run generate:client` and the client drift test.
// Declaring routes never calls a service, so every dependency is a stand-in that refuses use.

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Any property path on it is another stand-in; calling one throws, naming the path. */
function standIn(path: string): never {
  const fn = () => {
    throw new Error(`${path}() was called while only building the OpenAPI document`);
  };
  return new Proxy(fn, {
    get: (_target, key) =>
      typeof key === 'symbol' || key === 'then' ? undefined : standIn(`${path}.${key}`),
  }) as never;
}

/** The document GET /openapi.json serves, with `serverUrl` as its one server. */
export function buildOpenApiDocument(serverUrl = 'http://localhost:3000') {
  const api = new Api(express.Router(), {
    apiKeys: standIn('apiKeys'),
    idempotencyRecords: standIn('idempotencyRecords'),
    operatorApiKey: 'unused',
    serverSecret: 'unused',
  });
  registerApiRoutes(api, {
    services: standIn('services'),
    processes: standIn('processes'),
    pingTemporal: standIn('pingTemporal'),
    metrics: standIn('metrics'),
  });
  return api.openApiDocument({ version, serverUrl });
}
