import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { machines } from '../../machines/index.js';

const machinesDir = fileURLToPath(new URL('../../machines', import.meta.url));

describe('machine registry', () => {
  it('lists every machine defined in machines/, so each gets a diagram', async () => {
    // Besides the machines, machines/ holds rule modules (limits, terms, reasons) they share.
    const files = (await readdir(machinesDir)).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const defined: string[] = [];
    for (const file of files) {
      const module = (await import(`${machinesDir}/${file}`)) as Record<string, unknown>;
      for (const value of Object.values(module))
        if (value instanceof StateMachine) defined.push(value.id);
    }
    expect(defined).toContain('accountStatus');
    expect(Object.keys(machines).sort()).toEqual(defined.sort());
  });
});
