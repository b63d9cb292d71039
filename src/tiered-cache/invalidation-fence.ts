import type { CacheEntry } from './cache-entry.js';
import type { Clock } from './clock.js';

/** What a load remembers of the invalidation state it started in. */
export interface LoadTicket {
  readonly namespace: string;
  readonly key: string;
  readonly generation: number;
  readonly epoch: number;
  /** Set when the key was invalidated while the load ran. */
  fenced: boolean;
}

/**
 * Decides whether a load's result may be kept: not if its key was invalidated while it ran,
 * nor its whole namespace (a generation bump), nor everything (a new epoch, after this instance
 * may have missed invalidations). Only loads in flight are tracked, so its memory is bounded by
 * the loads running, never by how many keys were ever invalidated.
 */
export class InvalidationFence {
  private readonly generations = new Map<string, { generation: number; changedAt: number }>();
  private readonly inFlight = new Map<string, Set<LoadTicket>>();
  private epoch = 0;

  /**
   * @param onNewGeneration runs when a newer generation of a namespace is learned (from an
   *   invalidation, a message or an entry another instance wrote).
   */
  constructor(
    private readonly clock: Clock,
    private readonly onNewGeneration: (namespace: string) => void = () => {},
  ) {}

  generation(namespace: string): number {
    return this.generations.get(namespace)?.generation ?? 0;
  }

  /** The namespace's latest generation change, if this instance saw one. */
  lastChange(namespace: string): { generation: number; changedAt: number } | undefined {
    return this.generations.get(namespace);
  }

  /** Learns a namespace's generation; true when it was newer than what this instance knew. */
  learnGeneration(namespace: string, generation: number): boolean {
    if (generation <= this.generation(namespace)) return false;
    this.generations.set(namespace, { generation, changedAt: this.clock.now() });
    this.onNewGeneration(namespace);
    return true;
  }

  /** Whether an entry belongs to the namespace's current generation (learning a newer one it carries). */
  isCurrent(namespace: string, entry: CacheEntry): boolean {
    const known = this.generation(namespace);
    if (entry.generation > known) this.learnGeneration(namespace, entry.generation);
    return entry.generation >= known;
  }

  begin(namespace: string, key: string): LoadTicket {
    const ticket: LoadTicket = {
      namespace,
      key,
      generation: this.generation(namespace),
      epoch: this.epoch,
      fenced: false,
    };
    const tickets = this.inFlight.get(key) ?? new Set<LoadTicket>();
    tickets.add(ticket);
    this.inFlight.set(key, tickets);
    return ticket;
  }

  /** Ends a load; true when nothing invalidated its result while it ran. */
  end(ticket: LoadTicket): boolean {
    const tickets = this.inFlight.get(ticket.key);
    tickets?.delete(ticket);
    if (tickets?.size === 0) this.inFlight.delete(ticket.key);
    return (
      !ticket.fenced && ticket.epoch === this.epoch && ticket.generation === this.generation(ticket.namespace)
    );
  }

  /** The key was invalidated: any load of it in flight must not be kept. */
  invalidateKey(key: string) {
    for (const ticket of this.inFlight.get(key) ?? []) ticket.fenced = true;
  }

  /** This instance may have missed invalidations: no load in flight may be kept. */
  invalidateEverything() {
    this.epoch += 1;
  }

  /** Keys with loads in flight (what the fence holds in memory). */
  get trackedKeys(): number {
    return this.inFlight.size;
  }
}
