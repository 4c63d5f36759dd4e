/**
 * An idle connection's table of listeners, made to fit. node:events keeps an emitter's listeners
 * in an object without prototype (`_events`), which V8 holds as a hash table (dictionary mode): it
 * grows with the events listened for at once and keeps its room when they go. A node:tls socket
 * listens for up to ten events during its handshake and keeps room for sixteen afterwards (448
 * bytes) with five in use, for its whole life, and node:events keeps the key of every event whose
 * listeners all went (set to undefined: "shape mode", Node 20+). A table made for five events
 * takes 256 bytes (V8 keeps a third of a table free: six or more events need sixteen slots again).
 *
 * @module
 */
import type { EventEmitter } from 'node:events';

/**
 * Replaces `emitter`'s table of listeners with a new one holding the same listeners (the same
 * functions and arrays, in the same order), once the handshake's listeners are gone. node:events
 * reads `_events` afresh on every call and expects it to be replaced (its own removeListener does
 * so when the last listener goes). Anything but node:events' table without prototype is left as it
 * is (another runtime's emitter).
 */
export function compactListenerTable(emitter: EventEmitter): void {
  const internals = emitter as unknown as { _events?: unknown };
  const table = internals._events;
  if (table === null || typeof table !== 'object' || Object.getPrototypeOf(table) !== null) return;
  const entries = table as Record<string | symbol, unknown>;
  const fitted = Object.create(null) as Record<string | symbol, unknown>;
  // By index, not for-of: an array iterator per call, on every connection.
  const keys = Reflect.ownKeys(entries);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // An event whose listeners all went: node:events keeps its key (set to undefined) on streams
    // and sockets ("shape mode"), and reads a missing key the same way.
    const listeners = entries[key];
    if (listeners !== undefined) fitted[key] = listeners;
  }
  internals._events = fitted;
}
