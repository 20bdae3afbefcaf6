import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { machines } from '../../machines/index.js';

const machinesDir = fileURLToPath(new URL('../../machines', import.meta.url));

describe('machine registry', () => {
  it('lists every machine defined in machines/, so each gets a diagram', async () => {
    // steps.ts holds what every machine's history records; every other file defines a machine.
    const files = (await readdir(machinesDir)).filter(
      (f) => f.endsWith('.ts') && !['index.ts', 'steps.ts'].includes(f),
    );
    const defined: string[] = [];
    for (const file of files) {
      const module = (await import(`${machinesDir}/${file}`)) as Record<string, unknown>;
      for (const value of Object.values(module))
        if (value instanceof StateMachine) defined.push(value.id);
    }
    expect(defined.length).toBeGreaterThanOrEqual(files.length);
    expect(Object.keys(machines).sort()).toEqual(defined.sort());
  });
});
