/**
 * Signed-in sessions, in the console's memory: the cookie carries a random id and nothing else;
 * the key the session reads the API with stays here. A restart signs everyone out, which a
 * console can afford (one process; sign in again).
 */
import { randomBytes } from 'node:crypto';

export interface Principal {
  /** The console user's name, or "API key" when signed in with one. */
  user: string;
  /** The user's tenant; for a key, what the API said the key reads (undefined until known). */
  tenant?: string;
  apiKey: string;
  via: 'password' | 'api-key';
}

export interface SessionStore {
  create(principal: Principal): string;
  /** The session's principal while it has not expired. */
  get(id: string | undefined): Principal | undefined;
  end(id: string | undefined): void;
  readonly size: number;
}

export function createSessionStore({ ttlMs, maxSessions = 10_000, now = Date.now, newId = () => randomBytes(32).toString('base64url') }: { ttlMs: number; maxSessions?: number; now?: () => number; newId?: () => string }): SessionStore {
  // Insertion order is creation order: the first entry is the oldest, evicted first at the cap.
  const sessions = new Map<string, { principal: Principal; expires: number }>();
  return {
    create(principal) {
      const id = newId();
      if (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
      sessions.set(id, { principal, expires: now() + ttlMs });
      return id;
    },
    get(id) {
      if (id === undefined) return undefined;
      const session = sessions.get(id);
      if (!session) return undefined;
      if (session.expires <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return session.principal;
    },
    end(id) {
      if (id !== undefined) sessions.delete(id);
    },
    get size() {
      return sessions.size;
    },
  };
}

/**
 * Failed sign-ins per name (or per key attempt's address): after `limit` failures within
 * `windowMs` the name is refused until the window has passed, so a password cannot be guessed
 * at the speed of scrypt.
 */
export function createLoginThrottle({ limit = 5, windowMs = 15 * 60_000, now = Date.now }: { limit?: number; windowMs?: number; now?: () => number } = {}) {
  const failures = new Map<string, number[]>();
  const recent = (who: string) => (failures.get(who) ?? []).filter((t) => t > now() - windowMs);
  return {
    /** Milliseconds until `who` may try again, 0 when they may now. */
    waitMs(who: string): number {
      const times = recent(who);
      return times.length >= limit ? times[0]! + windowMs - now() : 0;
    },
    failed(who: string): void {
      const times = recent(who);
      times.push(now());
      failures.set(who, times.slice(-limit));
      if (failures.size > 100_000) failures.delete(failures.keys().next().value!);
    },
    succeeded(who: string): void {
      failures.delete(who);
    },
  };
}
