/**
 * A lifetime drawn between half and all of `ms`. Entries cached or throttled by learners who
 * started together (a class, a morning, a server restart) would otherwise all expire in the same
 * instant, and their refreshes would queue in front of every commit on the database pool at
 * once: 64 learners made a 100-170 ms stall every 5 s (npm run bench:commit). Never longer than
 * `ms`, so whatever bound a TTL promises still holds.
 */
export function jittered(ms: number, random: () => number = Math.random): number {
  return ms * (0.5 + random() / 2);
}
