/**
 * Redis names of the Ruby Flipper Redis adapter (flipper-redis): a set of feature names and one
 * hash per feature, named by the feature. `prefix` is the adapter's `key_prefix:` option, empty
 * by default, so a Ruby app on its defaults and this service read and write the same keys.
 */
export function flipperFeaturesKey(prefix: string): string {
  return `${prefix}flipper_features`;
}

export function flipperFeatureKey(prefix: string, feature: string): string {
  return `${prefix}${feature}`;
}

/** Hash fields of a feature, as the Ruby adapter writes them. */
export const FlipperFields = {
  boolean: 'boolean',
  percentageOfActors: 'percentage_of_actors',
  actorPrefix: 'actors/',
} as const;
