// A Map that forgets its oldest entry (a Map iterates in insertion order) when a new key would take it past its capacity.
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #capacity: number

  constructor (capacity: number) {
    super()
    this.#capacity = capacity
  }

  override set (key: K, value: V): this {
    if (!this.has(key) && this.size >= this.#capacity) this.delete(this.keys().next().value as K)
    return super.set(key, value)
  }
}
