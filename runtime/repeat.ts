/**
 * Runs `pass` now and again `intervalMs` after each pass ends, until stop(): passes never overlap
 * and stop() waits for the one under way. `pass` handles its own failures.
 */
export function repeat(pass: () => Promise<void>, intervalMs: number): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const next = () => {
    if (stopped) return;
    running = pass().then(() => {
      if (!stopped) timer = setTimeout(next, intervalMs);
    });
  };
  next();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
