// Waiting for SIGINT or SIGTERM in a long-running command (worker, explore).

/** A wait for the first SIGINT or SIGTERM; `dispose` removes the handlers. */
export interface SignalWait {
  /** Resolves with the signal's name. */
  signalled: Promise<string>;
  dispose(): void;
}

/**
 * Catches SIGTERM and SIGINT from now on, so a signal sent as soon as the
 * command says it is ready finds the handler in place rather than the default
 * action, which kills at once.
 */
export function waitForStopSignal(): SignalWait {
  let onSignal: (signal: string) => void = () => undefined;
  const signalled = new Promise<string>((resolve) => (onSignal = resolve));
  const onTerm = (): void => onSignal("SIGTERM");
  const onInt = (): void => onSignal("SIGINT");
  process.once("SIGTERM", onTerm);
  process.once("SIGINT", onInt);
  return {
    signalled,
    dispose: () => {
      process.off("SIGTERM", onTerm);
      process.off("SIGINT", onInt);
    },
  };
}
