import { Foundation1764100000000 } from "./1764100000000-foundation";

/** Every migration in order. Landed migrations are never edited; a change is a new one. */
export const migrations = [Foundation1764100000000];
