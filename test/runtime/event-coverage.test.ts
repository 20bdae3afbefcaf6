import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventTypes } from '../../common/events.js';

// Every event type integrators are promised has a test that makes its change and counts its
// event. This cannot tell an assertion from a mention; it catches the common slip, a type added
// to the catalogue (common/events.ts) with no test naming it at all.

const testDir = fileURLToPath(new URL('..', import.meta.url));
const thisFile = fileURLToPath(import.meta.url);

async function testSources(): Promise<string[]> {
  const files = (await readdir(testDir, { recursive: true }))
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => path.join(testDir, name))
    .filter((file) => file !== thisFile);
  return Promise.all(files.map((file) => readFile(file, 'utf8')));
}

describe('the event catalogue', () => {
  it('has every type named by a test', async () => {
    const sources = await testSources();
    const named = (type: string) =>
      sources.some((source) => source.includes(`'${type}'`) || source.includes(`type=${type}`));
    expect(eventTypes.filter((type) => !named(type))).toEqual([]);
  });
});
