import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_KEY,
  eventually,
  startTestProduct,
  type TestProduct,
} from '../support/harness.js';

// The README's "Try it" walk-through, as a person pastes it: every ```sh block of that section,
// in order, run by bash against a started product. A step that fails (curl --fail-with-body, a
// variable never set) stops it.

const readme = new URL('../../README.md', import.meta.url);

/** The shell blocks between "## Try it" and the next section. */
async function walkthrough(): Promise<string> {
  const text = await readFile(readme, 'utf8');
  const start = text.indexOf('\n## Try it\n');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end);
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  expect(blocks.length).toBeGreaterThanOrEqual(3);
  return blocks.join('\n');
}

let product: TestProduct;
let workDir: string;

beforeAll(async () => {
  product = await startTestProduct();
  // Not the project folder: the walk-through must not depend on a .data/ of a local start.
  workDir = await mkdtemp(path.join(os.tmpdir(), 'cie-walkthrough-'));
});

afterAll(async () => {
  await product?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("the README's Try it walk-through", () => {
  it('runs pasted as it is, and leaves an account BLOCKED with the reason it gave', async () => {
    const script = `set -euo pipefail\n${await walkthrough()}\nprintf '\\n%s %s %s\\n' "$ACCOUNT_ID" "$ORG_KEY" "$ORG_ID"\n`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], {
      cwd: workDir,
      env: { PATH: process.env.PATH, API: product.baseUrl, KEY: OPERATOR_KEY },
      timeout: 60_000,
      maxBuffer: 10_000_000,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the walk-through failed:\n${error.stdout}\n${error.stderr}`);
    });
    const [accountId, orgKey, orgId] = stdout.trim().split('\n').at(-1)!.split(' ');

    const account = await product.http('GET', `/v1/accounts/${accountId}`, { key: orgKey });
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({
      status: 'BLOCKED',
      statusReason: { code: 'CARD_LOST', description: 'Card reported lost' },
      statusDescription: 'Customer called',
    });
    expect(stdout).toContain(`${product.baseUrl}/ui/accounts/${accountId}`);
    // The last step's activation is an activity of the onboarding run: live once it has run
    const onboarding = await eventually(async () => {
      const answer = await product.http('GET', `/v1/orgs/${orgId}/onboarding`, {
        key: OPERATOR_KEY,
      });
      return answer.body?.stage === 'activating' ? undefined : answer;
    });
    expect(onboarding.body).toMatchObject({ stage: 'live' });
  });
});
