// The engine's wait queue: higher priority first, FIFO within a priority, ageing so that low
// priorities are not starved, and round-robin between keys (tenants) at the same level.
//
// Ageing without timers: a job's effective priority is `priority + waited / ageing`. Between two
// jobs the difference of that value does not change with time, so one heap ordered by
// `priority * ageing - enqueuedAt` always has the job with the highest effective priority on top.
// Nothing needs re-sorting as time passes, and nothing polls.

/** What the queue needs to know of an entry. `seq` breaks ties (FIFO). */
export interface Queued {
  readonly priority: number;
  readonly key: string;
  enqueuedAt: number;
  seq: number;
  /** @internal the entry's slot in its key's heap (-1: not queued) */
  heapIndex: number;
}

export interface QueueOptions {
  /** Milliseconds of waiting worth one priority level; 0 disables ageing. */
  ageing: number;
}

/** A binary heap that knows each entry's slot, so that a cancelled entry leaves in O(log n). */
class Heap<T extends Queued> {
  readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.#up(item.heapIndex);
  }

  remove(item: T): boolean {
    const i = item.heapIndex;
    if (i < 0 || this.items[i] !== item) return false;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last !== item) {
      this.items[i] = last;
      last.heapIndex = i;
      this.#up(i);
      this.#down(last.heapIndex);
    }
    return true;
  }

  #swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(this.items[i]!, this.items[parent]!)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.before(this.items[l]!, this.items[best]!)) best = l;
      if (r < n && this.before(this.items[r]!, this.items[best]!)) best = r;
      if (best === i) return;
      this.#swap(i, best);
      i = best;
    }
  }
}

/**
 * One heap per key. With a single key this is a plain priority queue; with several, `peek`
 * takes the keys whose best job is at the highest (aged) level and picks the one served least
 * recently: a tenant that submits a thousand jobs shares the pool with one that submits two.
 * Cost per peek is O(keys), which stays small next to the work a media job does.
 */
export class JobQueue<T extends Queued> {
  readonly #ageing: number;
  readonly #heaps = new Map<string, Heap<T>>();
  readonly #served = new Map<string, number>();
  #serveTick = 0;
  #seq = 0;
  #size = 0;

  constructor(options: QueueOptions) {
    this.#ageing = options.ageing;
  }

  get size(): number {
    return this.#size;
  }

  /** Effective priority level at `now`: the priority plus one per `ageing` ms waited. */
  level(item: T, now: number): number {
    return this.#ageing > 0 ? item.priority + Math.floor((now - item.enqueuedAt) / this.#ageing) : item.priority;
  }

  /** Adds an entry; `enqueuedAt` is now unless the entry keeps an earlier place (unparked). */
  push(item: T, now: number, keepPlace = false): void {
    if (!keepPlace) {
      item.enqueuedAt = now;
      item.seq = this.#seq++;
    }
    let heap = this.#heaps.get(item.key);
    if (!heap) {
      const ageing = this.#ageing;
      heap = new Heap<T>((a, b) => {
        if (ageing > 0) {
          const sa = a.priority * ageing - a.enqueuedAt;
          const sb = b.priority * ageing - b.enqueuedAt;
          if (sa !== sb) return sa > sb;
        } else if (a.priority !== b.priority) {
          return a.priority > b.priority;
        }
        return a.seq < b.seq;
      });
      this.#heaps.set(item.key, heap);
    }
    heap.push(item);
    this.#size++;
  }

  /** The entry that should run next, left in the queue. */
  peek(now: number): T | undefined {
    if (this.#heaps.size === 1) return this.#heaps.values().next().value?.peek();
    let best: T | undefined;
    let bestLevel = -Infinity;
    let bestServed = Infinity;
    for (const [key, heap] of this.#heaps) {
      const head = heap.peek()!;
      const level = this.level(head, now);
      const served = this.#served.get(key) ?? -1;
      if (level > bestLevel || (level === bestLevel && (served < bestServed || (served === bestServed && head.seq < best!.seq)))) {
        best = head;
        bestLevel = level;
        bestServed = served;
      }
    }
    return best;
  }

  /** Removes an entry; `served` counts it as its key's turn (for the round-robin). */
  remove(item: T, served = false): boolean {
    const heap = this.#heaps.get(item.key);
    if (!heap?.remove(item)) return false;
    this.#size--;
    if (served) this.#served.set(item.key, this.#serveTick++);
    if (heap.size === 0) {
      // An idle key is forgotten (memory stays bounded by the keys waiting); when it comes back
      // it is served first among its level, which is its fair share: it had none meanwhile.
      this.#heaps.delete(item.key);
      this.#served.delete(item.key);
    }
    return true;
  }

  /** Every queued entry (unordered). */
  *entries(): IterableIterator<T> {
    for (const heap of this.#heaps.values()) yield* heap.items;
  }
}
