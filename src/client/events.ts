/**
 * A small typed event emitter: no Node, no DOM EventTarget, so that it runs in browsers and in
 * unit tests alike. A listener that throws never breaks the emitter or the other listeners.
 */

/** A function called with an event's payload. */
export type Listener<T> = (payload: T) => void;

/**
 * Typed events: `Events` maps each event name to its payload type.
 * @example
 * const e = new Emitter<{ state: string }>();
 * const off = e.on('state', (s) => console.log(s));
 */
export class Emitter<Events extends object> {
  #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /**
   * Calls `listener` on every `type` event.
   * @returns a function that removes the listener
   */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener);
    return () => this.off(type, listener);
  }

  /** Calls `listener` on the next `type` event only. */
  once<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(type, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Removes every listener. */
  removeAllListeners(): void {
    this.#listeners.clear();
  }

  /** Calls the listeners of `type` in the order they were added. */
  protected emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const set = this.#listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (err) {
        // A faulty listener is the app's bug: report it without breaking the call.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
