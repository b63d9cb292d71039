import { crc32 } from 'node:zlib';
import { FlipperFields } from './flipper-keys.js';

/** The gates this service evaluates: Flipper's boolean, actors and percentage_of_actors. */
export interface FlipperGates {
  readonly boolean: boolean;
  readonly actors: ReadonlySet<string>;
  /** 0-100, decimals allowed (Flipper stores "12.5"). */
  readonly percentageOfActors: number;
}

export const CLOSED_GATES: FlipperGates = { boolean: false, actors: new Set(), percentageOfActors: 0 };

/** Flipper's scaling factor: percentages have three decimals of resolution. */
const SCALING_FACTOR = 1_000;

/**
 * A feature's gates from its Redis hash. Other gates a Ruby app may set (groups, expressions,
 * percentage_of_time) are Ruby-side logic this service cannot evaluate; they stay closed here
 * and are never deleted by this service.
 */
export function gatesFromHash(hash: Readonly<Record<string, string>>): FlipperGates {
  const actors = new Set<string>();
  for (const field of Object.keys(hash))
    if (field.startsWith(FlipperFields.actorPrefix))
      actors.add(field.slice(FlipperFields.actorPrefix.length));
  const percentage = Number(hash[FlipperFields.percentageOfActors] ?? 0);
  return {
    boolean: hash[FlipperFields.boolean] === 'true',
    actors,
    percentageOfActors: Number.isFinite(percentage) ? Math.min(100, Math.max(0, percentage)) : 0,
  };
}

/**
 * Flipper's actor bucket: `Zlib.crc32(feature_name + flipper_id) % 100_000`. The same actor
 * always lands in the same bucket for a feature, so raising the percentage only adds actors.
 */
export function flipperBucket(feature: string, flipperId: string): number {
  return crc32(`${feature}${flipperId}`) % (100 * SCALING_FACTOR);
}

/** Flipper's `enabled?(feature, actor)` over the three gates. */
export function isOpenFor(feature: string, gates: FlipperGates, flipperId: string | undefined): boolean {
  if (gates.boolean) return true;
  if (flipperId === undefined) return false;
  if (gates.actors.has(flipperId)) return true;
  return (
    gates.percentageOfActors > 0 &&
    flipperBucket(feature, flipperId) < gates.percentageOfActors * SCALING_FACTOR
  );
}

/** vets-api's `User#flipper_id`: the lower-cased email, or the user uuid when there is none. */
export function flipperIdFor(user: { email?: string | null; userUuid: string }): string {
  return user.email ? user.email.toLowerCase() : user.userUuid;
}
