// The form side of the studio: one card per light, the camera, the subject and the backdrop.
// Every input carries data-field (a dotted path into the setup); `sync` writes the setup back
// into the inputs, and `showFieldErrors` puts an API error next to the input it names.

import { byId, h } from "./dom";
import { effectiveKelvin, kelvinToHex } from "./kelvin";
import {
  CAMERA_ANGLES, MODIFIERS, MODIFIER_SPECS, ROLES, ROLE_TITLES, SHOT_TYPES, defaultLight,
  describeDirection, fmt, wrapAzimuth, type Gel, type Role,
} from "./model";
import { getPath, setPath, type Store } from "./store";

type Kind = "number" | "text" | "bool" | "select" | "shutter" | "colour" | "optional-number";

interface FieldSpec {
  label: string;
  path: string;
  kind: Kind;
  min?: number;
  max?: number;
  step?: number;
  options?: readonly string[];
  unit?: string;
  hint?: string;
  slider?: { min: number; max: number; step: number };
}

const words = (s: string): string => s.replace(/_/g, " ");

function parseShutter(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?))?\s*s?\s*$/.exec(text);
  if (!m) return null;
  const value = Number(m[1]) / Number(m[2] ?? 1);
  return Number.isFinite(value) && value > 0 ? value : null;
}

function shutterText(seconds: number): string {
  return seconds >= 1 ? `${fmt(seconds, 2)}` : `1/${Math.round(1 / seconds)}`;
}

export class Controls {
  private readonly lightsBox = byId("lights");

  constructor(private readonly store: Store) {
    this.buildStatic();
    byId("add-light").addEventListener("click", () => this.addLight());
    store.on((change, source) => {
      if (change === "structure") this.renderLights();
      if (change === "select") this.openSelected();
      this.sync(source);
    });
    this.renderLights();
    this.sync();
  }

  // ------------------------------------------------------------------ building

  private field(spec: FieldSpec): HTMLElement {
    const id = `f-${spec.path.replace(/\./g, "-")}`;
    let input: HTMLInputElement | HTMLSelectElement;
    if (spec.kind === "select") {
      input = h("select", { id }, ...(spec.options ?? []).map((o) => h("option", { value: o }, words(o))));
    } else if (spec.kind === "bool") {
      input = h("input", { id, type: "checkbox" });
    } else if (spec.kind === "colour") {
      input = h("input", { id, type: "color" });
    } else if (spec.kind === "text" || spec.kind === "shutter") {
      input = h("input", { id, type: "text", spellcheck: "false",
        placeholder: spec.kind === "shutter" ? "1/125" : null });
    } else {
      input = h("input", { id, type: "number", min: spec.min, max: spec.max, step: spec.step ?? "any",
        inputmode: "decimal", placeholder: spec.kind === "optional-number" ? "auto" : null });
    }
    input.dataset.field = spec.path;
    input.dataset.kind = spec.kind;
    input.addEventListener(spec.kind === "select" || spec.kind === "bool" ? "change" : "input",
      () => this.fromInput(input, spec));
    const parts: (Node | null)[] = [];
    if (spec.slider) {
      const range = h("input", { type: "range", min: spec.slider.min, max: spec.slider.max,
        step: spec.slider.step, "aria-label": `${spec.label} slider`, tabindex: -1 });
      range.dataset.field = spec.path;
      range.dataset.kind = "range";
      range.addEventListener("input", () => {
        input.value = range.value;
        this.fromInput(input, spec, range);
      });
      parts.push(range);
    }
    const label = h("label", { for: id }, spec.label, spec.unit ? h("span", { class: "unit" }, ` ${spec.unit}`) : null);
    const error = h("span", { class: "field-error", role: "alert" });
    error.dataset.errorFor = spec.path;
    const row = h("div", { class: `field field-${spec.kind}` }, label, h("div", { class: "inputs" }, ...parts, input), error);
    if (spec.hint) row.title = spec.hint;
    return row;
  }

  private buildStatic(): void {
    byId("add-role").replaceChildren(...ROLES.map((r) => h("option", { value: r }, ROLE_TITLES[r].toLowerCase())));
    const cam = (f: Omit<FieldSpec, "path"> & { key: string }): HTMLElement =>
      this.field({ ...f, path: `camera.${f.key}` });
    byId("camera").replaceChildren(
      cam({ key: "shot_type", label: "Shot", kind: "select", options: SHOT_TYPES }),
      cam({ key: "camera_angle", label: "Angle", kind: "select", options: CAMERA_ANGLES }),
      cam({ key: "focal_length_mm", label: "Lens", unit: "mm", kind: "number", min: 8, max: 800, step: 1 }),
      cam({ key: "aperture", label: "Aperture", unit: "f/", kind: "number", min: 0.95, max: 64, step: 0.1 }),
      cam({ key: "iso", label: "ISO", kind: "number", min: 25, max: 204800, step: 1 }),
      cam({ key: "shutter_s", label: "Shutter", unit: "s", kind: "shutter" }),
      cam({ key: "white_balance_k", label: "White balance", unit: "K", kind: "number", min: 2000, max: 12000, step: 100 }),
      cam({ key: "distance_m", label: "Distance", unit: "m", kind: "optional-number", min: 0.2, max: 30, step: 0.1,
        hint: "Empty: as far as the lens needs to frame the shot" }),
    );
    byId("subject").replaceChildren(
      this.field({ path: "subject.description", label: "Subject", kind: "text" }),
      this.field({ path: "subject.kind", label: "Kind", kind: "select", options: ["portrait", "product"] }),
      this.field({ path: "subject.head_turn_deg", label: "Head turn", unit: "° (− = camera-left)", kind: "number", min: -90, max: 90, step: 5 }),
      this.field({ path: "style", label: "Style", kind: "text", hint: "Mood or intent; the rating is judged against it" }),
      this.field({ path: "background.color", label: "Backdrop", kind: "colour" }),
      this.field({ path: "background.type", label: "Backdrop type", kind: "text" }),
      this.field({ path: "background.distance_m", label: "Backdrop distance", unit: "m", kind: "number", min: 0.3, max: 20, step: 0.1 }),
      this.field({ path: "environment", label: "Set", kind: "text" }),
    );
  }

  private renderLights(): void {
    const { setup, selected } = this.store;
    const cards = (Object.keys(setup.lighting) as Role[]).map((role) => this.lightCard(role, role === selected));
    this.lightsBox.replaceChildren(...cards);
    const free = ROLES.filter((r) => !setup.lighting[r]);
    const add = byId<HTMLSelectElement>("add-role");
    for (const option of Array.from(add.options)) option.disabled = !free.includes(option.value as Role);
    if (!free.includes(add.value as Role) && free.length) add.value = free[0];
    byId<HTMLButtonElement>("add-light").disabled = free.length === 0;
  }

  private lightCard(role: Role, open: boolean): HTMLElement {
    const p = (k: string): string => `lighting.${role}.${k}`;
    const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
    swatch.dataset.swatch = role;
    const summary = h("span", { class: "light-summary" });
    summary.dataset.summary = role;
    const remove = h("button", { type: "button", class: "small", "aria-label": `Remove the ${role} light` }, "Remove");
    remove.addEventListener("click", () => this.removeLight(role));
    const gelKind = h("select", { id: `f-gel-${role}`, "aria-label": `${role} gel` },
      h("option", { value: "" }, "no gel"), h("option", { value: "cto" }, "CTO (warm)"),
      h("option", { value: "ctb" }, "CTB (cool)"), h("option", { value: "mired" }, "mired shift"));
    gelKind.dataset.gel = role;
    gelKind.addEventListener("change", () => this.setGel(role, gelKind.value));
    const body = h("div", { class: "light-body" },
      h("div", { class: "grid2" },
        this.field({ path: p("direction.azimuth"), label: "Angle", unit: "° (+ right, − left)", kind: "number", min: -180, max: 180, step: 5 }),
        this.field({ path: p("direction.elevation"), label: "Height", unit: "° (+ above eyes)", kind: "number", min: -90, max: 90, step: 5 }),
      ),
      this.field({ path: p("distance"), label: "Distance", unit: "m", kind: "number", min: 0.05, max: 30, step: 0.05, slider: { min: 0.3, max: 6, step: 0.05 } }),
      this.field({ path: p("intensity"), label: "Power", unit: "(0–1 of full, up to 2 past it)", kind: "number", min: 0, max: 2, step: 0.01, slider: { min: 0, max: 1, step: 0.01 } }),
      this.field({ path: p("kelvin"), label: "Colour", unit: "K", kind: "number", min: 1000, max: 20000, step: 100, slider: { min: 2000, max: 10000, step: 100 } }),
      this.field({ path: p("softness"), label: "Softness", unit: "(0 hard – 1 soft)", kind: "number", min: 0, max: 1, step: 0.05, slider: { min: 0, max: 1, step: 0.05 } }),
      this.field({ path: p("modifier"), label: "Modifier", kind: "select", options: MODIFIERS }),
      h("div", { class: "field field-gel" },
        h("label", { for: `f-gel-${role}` }, "Gel"),
        h("div", { class: "inputs" }, gelKind,
          this.field({ path: p("gel.amount"), label: "amount", kind: "number", step: 0.125 })),
      ),
      this.field({ path: p("enabled"), label: "On", kind: "bool" }),
    );
    const details = h("details", { class: "light" },
      h("summary", {}, swatch, h("strong", {}, `${ROLE_TITLES[role]}`), summary, remove), body);
    details.dataset.role = role;
    details.open = open;
    details.addEventListener("toggle", () => {
      if (details.open && this.store.selected !== role) this.store.select(role);
    });
    return details;
  }

  private openSelected(): void {
    for (const card of Array.from(this.lightsBox.querySelectorAll<HTMLDetailsElement>("details.light"))) {
      if (card.dataset.role === this.store.selected && !card.open) card.open = true;
    }
  }

  // ------------------------------------------------------------------ editing

  private fromInput(input: HTMLInputElement | HTMLSelectElement, spec: FieldSpec, range?: HTMLInputElement): void {
    let value: unknown;
    const raw = input.value;
    const problem = (message: string): void => this.setLocalError(spec.path, message);
    switch (spec.kind) {
      case "bool": value = (input as HTMLInputElement).checked; break;
      case "select": case "text": case "colour": value = raw; break;
      case "shutter": {
        value = parseShutter(raw);
        if (value === null) return problem('a shutter speed like "1/125" or 0.5');
        break;
      }
      default: {
        if (spec.kind === "optional-number" && raw.trim() === "") { value = null; break; }
        if (raw.trim() === "" || !Number.isFinite(Number(raw))) return problem("enter a number");
        value = Number(raw);
        if (spec.path.endsWith("direction.azimuth")) value = wrapAzimuth(value as number);
      }
    }
    problem("");
    this.store.update((s) => {
      setPath(s, spec.path, value);
      if (spec.path === "style" && value === "") s.style = null;
    }, "values", range ?? input);
  }

  private setLocalError(path: string, message: string): void {
    for (const slot of Array.from(document.querySelectorAll<HTMLElement>(`[data-error-for="${path}"]`))) {
      slot.textContent = message;
    }
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(`[data-field="${path}"]`))) {
      if (message) el.setAttribute("aria-invalid", "true");
      else el.removeAttribute("aria-invalid");
    }
  }

  private setGel(role: Role, kind: string): void {
    this.store.update((s) => {
      const lt = s.lighting[role];
      if (!lt) return;
      lt.gel = kind ? { kind: kind as Gel["kind"], amount: kind === "mired" ? 20 : 0.5 } : null;
    });
  }

  private addLight(): void {
    const role = byId<HTMLSelectElement>("add-role").value as Role;
    if (this.store.setup.lighting[role]) return;
    this.store.selected = role;
    this.store.update((s) => { s.lighting[role] = defaultLight(role); }, "structure");
    const card = this.lightsBox.querySelector<HTMLElement>(`details[data-role="${role}"] summary`);
    card?.focus();
  }

  private removeLight(role: Role): void {
    const roles = Object.keys(this.store.setup.lighting);
    if (roles.length <= 1) {
      this.setLocalError(`lighting.${role}.enabled`, "a set needs at least one light");
      return;
    }
    this.store.update((s) => { delete s.lighting[role]; }, "structure");
    if (this.store.selected === role) this.store.select(Object.keys(this.store.setup.lighting)[0] as Role);
    byId("add-light").focus();
  }

  // ------------------------------------------------------------------ state → inputs

  /** Write the setup into every input except the one being typed in (`source`). */
  sync(source?: unknown): void {
    const { setup } = this.store;
    for (const el of Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement>("[data-field]"))) {
      if (el === source) continue;
      const value = getPath(setup, el.dataset.field as string);
      const kind = el.dataset.kind;
      if (kind === "bool") (el as HTMLInputElement).checked = Boolean(value);
      else if (kind === "shutter") el.value = typeof value === "number" ? shutterText(value) : "";
      else if (value === null || value === undefined) el.value = "";
      else el.value = typeof value === "number" ? String(Number(value.toFixed(3))) : String(value);
      if (el.dataset.field?.endsWith("gel.amount")) {
        (el as HTMLInputElement).disabled = value === undefined;
        (el.closest(".field") as HTMLElement).hidden = value === undefined;
      }
    }
    for (const role of Object.keys(setup.lighting) as Role[]) {
      const lt = setup.lighting[role];
      if (!lt) continue;
      const colour = kelvinToHex(effectiveKelvin(lt.kelvin, lt.gel), setup.camera.white_balance_k);
      for (const sw of Array.from(document.querySelectorAll<HTMLElement>(`[data-swatch="${role}"]`))) {
        sw.style.background = lt.enabled ? colour : "transparent";
        sw.title = `${Math.round(effectiveKelvin(lt.kelvin, lt.gel))} K as the camera (${setup.camera.white_balance_k} K) sees it`;
      }
      const summary = document.querySelector<HTMLElement>(`[data-summary="${role}"]`);
      if (summary) {
        summary.textContent = lt.enabled
          ? `${describeDirection(lt.direction)} · ${fmt(lt.distance, 2)} m · ${MODIFIER_SPECS[lt.modifier]?.label ?? lt.modifier} · ${Math.round(lt.intensity * 100)}%`
          : "off";
      }
      const gel = document.querySelector<HTMLSelectElement>(`[data-gel="${role}"]`);
      if (gel) gel.value = lt.gel?.kind ?? "";
    }
  }
}

/** Clear every field error, then show `problems` next to their inputs; what has no input
 * on the page is returned for the caller to show by its own control. */
export function showFieldErrors(problems: { field: string; message: string }[], toPath: (f: string) => string): string[] {
  for (const slot of Array.from(document.querySelectorAll<HTMLElement>(".field-error"))) slot.textContent = "";
  for (const el of Array.from(document.querySelectorAll("[aria-invalid]"))) el.removeAttribute("aria-invalid");
  const unplaced: string[] = [];
  for (const p of problems) {
    const path = toPath(p.field);
    const slot = document.querySelector<HTMLElement>(`[data-error-for="${path}"]`);
    if (!slot) {
      unplaced.push(p.field ? `${p.field}: ${p.message}` : p.message);
      continue;
    }
    slot.textContent = p.message;
    for (const el of Array.from(document.querySelectorAll(`[data-field="${path}"]`))) el.setAttribute("aria-invalid", "true");
    const card = slot.closest("details");
    if (card && !card.open) card.open = true;
  }
  return unplaced;
}
