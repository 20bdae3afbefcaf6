import http from 'node:http';
import { onStop } from './lifecycle.js';

// A keep-alive client over node:http. fetch costs the load generator several times more per
// request, which on a small machine would measure the client rather than the server.

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface HttpClient {
  request(
    method: string,
    path: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<HttpAnswer>;
  close: () => Promise<void>;
}

export function httpClient(baseUrl: string): HttpClient {
  const agent = new http.Agent({ keepAlive: true });
  const { hostname, port } = new URL(baseUrl);
  return {
    request(method, path, headers = {}, body) {
      return new Promise((resolve, reject) => {
        const request = http.request(
          {
            host: hostname,
            port,
            path,
            method,
            agent,
            headers:
              body === undefined
                ? headers
                : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                contentType: response.headers['content-type'] ?? '',
                body: Buffer.concat(chunks),
              }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close: onStop(`the http client of ${baseUrl}`, () => Promise.resolve(agent.destroy())),
  };
}

/** Calls the API as `key` and fails unless it answers `expect`; resolves with the parsed body */
export type JsonCall = <T>(
  method: string,
  route: string,
  key: string,
  body?: unknown,
  expect?: number,
  headers?: Record<string, string>,
) => Promise<T>;

export function jsonCaller(http: HttpClient): JsonCall {
  return async <T>(
    method: string,
    route: string,
    key: string,
    body?: unknown,
    expect = 200,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const response = await http.request(
      method,
      route,
      {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body === undefined ? undefined : JSON.stringify(body),
    );
    const text = response.body.toString('utf8');
    if (response.status !== expect)
      throw new Error(`${method} ${route} answered ${response.status}, not ${expect}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
