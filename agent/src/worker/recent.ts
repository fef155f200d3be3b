/**
 * The most recently used values, at most `limit` of them and, when values are weighed, at most
 * `budget` of their weight together: for what the worker keeps for a script it may see again
 * (scripts-on-disk.ts), where the scripts an app's stacks pass through are thousands and each
 * value up to tens of megabytes. A use makes a key the most recent; a Map iterates in insertion
 * order, so the first key is the least recently used.
 */
export class Recent<K, V> {
  private readonly values = new Map<K, { value: V; weight: number }>();
  private total = 0;

  constructor(
    private readonly limit: number,
    /** The weight kept at most, but for the most recent value: one heavier than it all is still held, alone. */
    private readonly budget = Infinity,
    private readonly weigh: (value: V) => number = () => 0,
  ) {}

  get(key: K): V | undefined {
    const entry = this.values.get(key);
    if (entry !== undefined) {
      this.values.delete(key);
      this.values.set(key, entry);
    }
    return entry?.value;
  }

  set(key: K, value: V): void {
    this.drop(key);
    const weight = this.weigh(value);
    this.values.set(key, { value, weight });
    this.total += weight;
    while (this.values.size > this.limit || (this.total > this.budget && this.values.size > 1)) this.drop(this.values.keys().next().value!);
  }

  delete(key: K): void {
    this.drop(key);
  }

  clear(): void {
    this.values.clear();
    this.total = 0;
  }

  get size(): number {
    return this.values.size;
  }

  /** The weight of the values held. */
  get weight(): number {
    return this.total;
  }

  private drop(key: K): void {
    const entry = this.values.get(key);
    if (entry === undefined) return;
    this.values.delete(key);
    this.total -= entry.weight;
  }
}
