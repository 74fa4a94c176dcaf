import type { Committed } from './types';
/** The `Committed` of one command: `text` is its head, then its events. */
export declare function committed(text: string | null | undefined): Committed;
/** The `Committed`s of a batch: `text` their heads, `extra` one handle for all their events. */
export declare function committedList(text: string | null | undefined, extra: unknown): Committed[];
