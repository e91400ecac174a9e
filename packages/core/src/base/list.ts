/**
 * An intrusive doubly linked list (include/linux/list.h, in spirit): O(1)
 * append, removal of any member, pop from the front and splicing a whole list
 * onto another. The deferred-probe lists and devices_kset use it, because the
 * kernel's algorithms (move to tail, splice pending onto active) are only
 * cheap on a linked list.
 */
export class ListNode<T> {
  /** The previous node, or null at the head. */
  prev: ListNode<T> | null = null;
  /** The next node, or null at the tail. */
  next: ListNode<T> | null = null;
  /** The list this node is on, or null (list_empty(&node)). */
  list: LinkedList<T> | null = null;

  /** Creates a node carrying `value`. */
  constructor(readonly value: T) {}
}

/** A list of {@link ListNode}s in insertion order. */
export class LinkedList<T> {
  /** First node. */
  head: ListNode<T> | null = null;
  /** Last node. */
  tail: ListNode<T> | null = null;
  /** Number of nodes. */
  size = 0;

  /** list_add_tail(): appends `node`, which must not be on a list. */
  pushBack(node: ListNode<T>): void {
    node.list = this;
    node.prev = this.tail;
    node.next = null;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.size++;
  }

  /** list_del_init(): removes `node` from this list. */
  remove(node: ListNode<T>): void {
    if (node.list !== this) return;
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
    node.list = null;
    this.size--;
  }

  /** list_move_tail(): moves `node` (on this list) to the end. */
  moveToTail(node: ListNode<T>): void {
    if (this.tail === node) return;
    this.remove(node);
    this.pushBack(node);
  }

  /** Removes and returns the first value, or undefined when empty. */
  popFront(): T | undefined {
    const node = this.head;
    if (node === null) return undefined;
    this.remove(node);
    return node.value;
  }

  /** list_splice_tail_init(): moves every node of `other` to the end of this list, in order. */
  spliceTailFrom(other: LinkedList<T>): void {
    if (other.head === null) return;
    for (let n: ListNode<T> | null = other.head; n !== null; n = n.next) n.list = this;
    if (this.tail) {
      this.tail.next = other.head;
      other.head.prev = this.tail;
    } else this.head = other.head;
    this.tail = other.tail;
    this.size += other.size;
    other.head = other.tail = null;
    other.size = 0;
  }

  /** Values from head to tail. */
  *[Symbol.iterator](): Generator<T> {
    for (let n = this.head; n !== null; n = n.next) yield n.value;
  }

  /** Values from head to tail, as an array. */
  toArray(): T[] {
    return [...this];
  }
}
