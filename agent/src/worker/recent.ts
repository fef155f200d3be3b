/**
 * The most recently used values, at most `limit` of them: for what the worker keeps for a script
 * it may see again (scripts-on-disk.ts), where the scripts an app's stacks pass through are
 * thousands and each value megabytes. A use makes a key the most recent; a Map iterates in
 * insertion order, so the first key is the least recently used.
 */
export class Recent<K, V> {
  private readonly values = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const value = this.values.get(key);
    if (value !== undefined) {
      this.values.delete(key);
      this.values.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.values.delete(key);
    this.values.set(key, value);
    if (this.values.size > this.limit) this.values.delete(this.values.keys().next().value!);
  }

  get size(): number {
    return this.values.size;
  }
}
