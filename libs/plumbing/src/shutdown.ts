import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Runs the registered steps in order on SIGTERM/SIGINT: typically stop taking new work, let
 * in-flight work finish (flush batches, commit offsets), then close clients. A second signal or
 * the deadline forces exit, so a stuck dependency cannot keep the process alive forever.
 */
export function onShutdown(logger: Logger, steps: ShutdownStep[], { deadlineMs = 30_000 } = {}): () => Promise<void> {
  let running: Promise<void> | undefined;

  const shutdown = (signal = 'shutdown'): Promise<void> => {
    if (running) return running;
    logger.info({ signal }, 'shutting down: finishing in-flight work');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed; exiting with work unfinished');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    running = (async () => {
      let failed = false;
      for (const step of steps) {
        try {
          await step.run();
          logger.debug({ step: step.name }, 'shutdown step done');
        } catch (error) {
          failed = true;
          logger.error({ step: step.name, err: error }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      logger.info('stopped');
      process.exitCode = failed ? 1 : 0;
    })();
    return running;
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      process.once(signal, () => {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      });
      void shutdown(signal).then(() => process.exit());
    });
  }
  return () => shutdown();
}
