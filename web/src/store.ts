// The one piece of state the page edits: the setup, which light is selected, and who listens.

import { clone, emptySetup, type Role, type Setup } from "./model";

/** What changed: "values" (a number moved), "structure" (lights added/removed, a preset). */
export type Change = "values" | "structure" | "select";
type Listener = (change: Change, source?: unknown) => void;

export class Store {
  setup: Setup = emptySetup();
  selected: Role = "key";
  private listeners: Listener[] = [];

  on(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Apply `mutate` and tell everyone; `source` is the control that made the change. */
  update(mutate: (setup: Setup) => void, change: Change = "values", source?: unknown): void {
    mutate(this.setup);
    this.emit(change, source);
  }

  replace(setup: Setup): void {
    this.setup = clone(setup);
    if (!this.setup.lighting[this.selected]) this.selected = firstRole(this.setup);
    this.emit("structure");
  }

  select(role: Role): void {
    this.selected = role;
    this.emit("select");
  }

  emit(change: Change, source?: unknown): void {
    for (const listener of this.listeners) listener(change, source);
  }
}

export function firstRole(setup: Setup): Role {
  return (Object.keys(setup.lighting)[0] as Role | undefined) ?? "key";
}

/** Read a dotted path ("lighting.key.direction.azimuth") from the setup. */
export function getPath(setup: Setup, path: string): unknown {
  let node: unknown = setup;
  for (const part of path.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Write a dotted path, creating nothing: the parent must exist. */
export function setPath(setup: Setup, path: string, value: unknown): void {
  const parts = path.split(".");
  const last = parts.pop() as string;
  let node: unknown = setup;
  for (const part of parts) node = (node as Record<string, unknown>)[part];
  if (node && typeof node === "object") (node as Record<string, unknown>)[last] = value;
}

/** The page's field path for a field the API names, in any of the shapes it accepts. */
export function fieldFromApi(field: string): string {
  return field
    .replace(/^scene\./, "")
    .replace(/^lighting_setup\./, "lighting.")
    .replace(/^camera_settings\./, "camera.")
    .replace(/^subject_description$/, "subject.description")
    .replace(/^style_intent$/, "style")
    .replace(/\.(color_temperature|colorTemperature)$/, ".kelvin");
}
