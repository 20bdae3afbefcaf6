import type { Express } from 'express';

// Which methods a path answers to, read from the app's own router, so a request with a method a
// route does not have answers 405 with an Allow header (RFC 9110) instead of 404, for every
// route the app serves.

interface RouterLayer {
  match(path: string): { path: string } | false;
  route?: { _methods(): string[] };
  handle?: { stack?: RouterLayer[] };
}

export function allowedMethods(app: Express, path: string): string[] {
  const router = (app as unknown as { router?: { stack: RouterLayer[] } }).router;
  const methods = new Set<string>();
  collect(router?.stack ?? [], path, methods);
  return [...methods].sort();
}

function collect(stack: RouterLayer[], path: string, methods: Set<string>): void {
  for (const layer of stack) {
    let match: { path: string } | false;
    try {
      match = layer.match(path);
    } catch {
      continue; // a malformed percent-encoding in a parameter: no route of ours
    }
    if (!match) continue;
    if (layer.route) {
      for (const method of layer.route._methods()) methods.add(method);
    } else if (layer.handle?.stack) {
      collect(layer.handle.stack, path.slice(match.path.length) || '/', methods);
    }
  }
}
