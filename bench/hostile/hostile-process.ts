/**
 * The hostile mix in a process of its own (forked by `bench/hostile.ts`), so its clients — 8 MB bodies, floods of
 * small requests — never delay the legitimate mix's timers or the handling of its answers in the bench's event loop.
 * It says `ready` once loaded, runs when sent its options, sends the tally back and exits (requests still open die
 * with it).
 */
import { hostileKinds, runHostile, type HostileOptions } from './hostile-mix';

export interface HostileRun extends HostileOptions {
  seconds: number;
  graceMs: number;
}

process.once('message', (options: HostileRun) => {
  void runHostile(hostileKinds(options), options.seconds, options.graceMs).then(
    (tally) => process.send?.({ tally }, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.('ready');
process.on('disconnect', () => process.exit(0));
