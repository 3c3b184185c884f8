/**
 * An in-process nudge for the delivery worker: `recordEvents` calls `signalOutbox()`
 * after queuing deliveries, and a running worker looks at the outbox soon after
 * instead of waiting for its next poll. Only a latency shortcut: the worker also polls,
 * so deliveries queued by another process (or before a restart) go out all the same.
 */
import { EventEmitter } from 'node:events';

const emitter = new EventEmitter();
emitter.setMaxListeners(0);

/** Tells workers of this process that the outbox may hold new due deliveries. */
export function signalOutbox(): void {
  emitter.emit('outbox');
}

/** Calls `listener` on every signal; returns the function that stops listening. */
export function onOutboxSignal(listener: () => void): () => void {
  emitter.on('outbox', listener);
  return () => emitter.off('outbox', listener);
}
