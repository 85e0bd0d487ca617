/**
 * The last `capacity` ids added, for dropping duplicates in bounded memory: adding
 * one more forgets the oldest.
 */
export class RecentIds {
  private readonly present = new Set<number>();
  private readonly order: number[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.order = new Array<number>(capacity);
  }

  has(id: number): boolean {
    return this.present.has(id);
  }

  add(id: number): void {
    if (this.present.has(id)) return;
    if (this.present.size === this.capacity) this.present.delete(this.order[this.next]!);
    this.order[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.present.add(id);
  }
}
