import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Everything the bench starts is registered here as it starts, so one call stops all of it: at
// the end, after a failure anywhere, or on SIGINT/SIGTERM.

type Stop = () => Promise<void>;

interface Registered {
  what: string;
  run: Stop;
}

const registered: Registered[] = [];
/** Last resort on process exit (a stop that never ran): synchronous kills only */
const exitKills = new Set<() => void>();

process.on('exit', () => {
  for (const kill of exitKills) kill();
});

/**
 * Registers `stop`; the returned function runs it once. It stays registered until it has
 * finished, so stopAll() awaits a stop already under way instead of skipping it.
 */
export function onStop(what: string, stop: Stop): Stop {
  let running: Promise<void> | undefined;
  const entry: Registered = {
    what,
    run: () =>
      (running ??= stop().finally(() => {
        const index = registered.indexOf(entry);
        if (index >= 0) registered.splice(index, 1);
      })),
  };
  registered.push(entry);
  return entry.run;
}

/** Stops everything still registered, newest first; a failing stop does not keep the rest running. */
export async function stopAll(): Promise<void> {
  for (let entry = registered.at(-1); entry; entry = registered.at(-1)) {
    await entry.run().catch((error: unknown) => {
      console.error(`bench: could not stop ${entry.what}: ${(error as Error).message}`);
    });
  }
}

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface NodeChild {
  running(): boolean;
  /** The last few kilobytes of its stdout and stderr */
  tail(): string;
  /** Resolves once its output matches `pattern`; rejects if it exits first or after `timeoutMs` */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves when it has exited */
  exited: Promise<unknown>;
  /** Sends its stop signal and awaits its exit; SIGKILLs its process group after the stop timeout */
  stop: () => Promise<void>;
}

const TAIL_CHARS = 8_000;

/**
 * Runs `entry` (a TypeScript file, relative to the repository) with `node --import tsx`, with
 * only `env` in its environment, in a process group of its own so that a Ctrl-C reaches the bench
 * first and the bench stops it in order. `afterExit` cleans up what a child that died without
 * stopping (killed, crashed) left behind; it must be synchronous, and do nothing after a clean stop.
 */
export function spawnNode(
  what: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  options: { signal: NodeJS.Signals; stopTimeoutMs: number; afterExit?: () => void },
): NodeChild {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      output = (output + chunk).slice(-TAIL_CHARS);
    });
  }
  child.on('error', (error) => {
    output += `\n${error.message}`;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // 'close' comes after the last output, so a failure message holds all of it.
  let closed = false;
  child.once('close', () => (closed = true));
  const running = () => child.exitCode === null && child.signalCode === null;
  const killNow = () => {
    if (running()) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    options.afterExit?.();
  };
  exitKills.add(killNow);
  const stop = onStop(what, async () => {
    if (running()) {
      child.kill(options.signal);
      const timer = setTimeout(() => {
        console.error(`bench: ${what} did not stop within ${options.stopTimeoutMs} ms; killing it`);
        killNow();
      }, options.stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
    options.afterExit?.();
    exitKills.delete(killNow);
  });
  return {
    running,
    tail: () => output,
    exited,
    stop,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(() => resolve(match));
          else if (closed) onClose();
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(
                new Error(`${what} did not print ${pattern} within ${timeoutMs} ms:\n${output}`),
              ),
            ),
          timeoutMs,
        );
        const onClose = () =>
          done(() =>
            reject(new Error(`${what} exited (${child.exitCode ?? child.signalCode}):\n${output}`)),
          );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          child.off('close', onClose);
          settle();
        };
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        child.once('close', onClose);
        check();
      });
    },
  };
}
