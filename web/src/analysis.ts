// The live analysis: POST /api/analyze/lighting a moment after each change (only the newest
// answer is shown), rendered as the ratio in stops, the pattern, the rating with its reasons
// and the recommendations — each with a button that applies its suggested number.

import { ApiError, request } from "./api";
import { showFieldErrors } from "./controls";
import { byId, h } from "./dom";
import { fmt, type Setup } from "./model";
import { fieldFromApi, setPath, type Store } from "./store";

interface Ratio { stops: number; ratio: number; key_plus_fill_to_fill: number; label: string; explanation: string }
interface Recommendation { message: string; field: string | null; current: number | null; suggested: number | null }
export interface Analysis {
  key_role: string | null;
  ratios: { key_fill: Ratio | null; face_contrast: Ratio | null; judged_stops: number | null };
  meter: Record<string, { display: string }>;
  background_stops: number | null;
  pattern: { name: string; title: string; confidence: number; reason: string;
    alternatives: { title: string; match: number }[] } | null;
  intent: { name: string; min_stops: number; max_stops: number; source: string } | null;
  rating: { score: number; components: { name: string; score: number; reason: string }[] };
  colour: { face_kelvin: number; mood: string; warnings: string[] };
  recommendations: Recommendation[];
  warnings: string[];
}

const DEBOUNCE_MS = 180;

function intentRange(intent: { min_stops: number | null; max_stops: number | null }): string {
  const { min_stops: lo, max_stops: hi } = intent;
  if (lo !== null && hi !== null) return `${fmt(lo)}–${fmt(hi)} stops`;
  if (lo !== null) return `${fmt(lo)} stops or more`;
  if (hi !== null) return `up to ${fmt(hi)} stops`;
  return "any ratio";
}

export function analysisBody(setup: Setup): Record<string, unknown> {
  const body: Record<string, unknown> = {
    lighting_setup: setup.lighting,
    camera_settings: setup.camera,
    subject: setup.subject,
    environment: setup.environment,
    background: setup.background,
  };
  if (setup.style) body.style_intent = setup.style;
  return body;
}

export class AnalysisPanel {
  private readonly box = byId("analysis");
  private readonly state = byId("analysis-state");
  private timer = 0;
  private asked = 0;
  /** The newest analysis shown (the browser tests read the ratio from the page, not here). */
  latest: Analysis | null = null;

  constructor(private readonly store: Store) {
    store.on((change) => { if (change !== "select") this.schedule(); });
    this.schedule();
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    this.state.textContent = "— updating…";
    this.timer = window.setTimeout(() => void this.run(), DEBOUNCE_MS);
  }

  private async run(): Promise<void> {
    const ticket = ++this.asked;
    try {
      const analysis = await request<Analysis>("POST", "/api/analyze/lighting", analysisBody(this.store.setup));
      if (ticket !== this.asked) return;
      showFieldErrors([], fieldFromApi);
      this.latest = analysis;
      this.render(analysis);
      this.state.textContent = "";
    } catch (err) {
      if (ticket !== this.asked) return;
      const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err));
      const unplaced = showFieldErrors(e.problems, fieldFromApi);
      this.state.textContent = "— out of date";
      this.box.prepend(h("p", { class: "error", role: "alert" },
        e.problems.length && !unplaced.length
          ? "The analysis waits for the field marked in red to be fixed."
          : `Cannot analyse: ${unplaced.join("; ") || e.message}`));
      for (const old of Array.from(this.box.querySelectorAll("p.error")).slice(1)) old.remove();
    }
  }

  private render(a: Analysis): void {
    const kf = a.ratios.key_fill;
    const score = a.rating.score;
    const ratio = h("div", { class: "ratio" },
      h("div", { class: "big", id: "ratio-stops" }, kf && Number.isFinite(kf.stops) ? `${fmt(kf.stops)} stops` : "no fill"),
      h("div", { class: "muted", id: "ratio-label" }, kf && Number.isFinite(kf.stops)
        ? `key:fill ${fmt(kf.ratio)}:1 · (key+fill):fill ${fmt(kf.key_plus_fill_to_fill)}:1`
        : "nothing lights the shadow side but the key's own spill"),
      a.ratios.face_contrast && Number.isFinite(a.ratios.face_contrast.stops)
        ? h("div", { class: "muted" }, `face contrast ${fmt(a.ratios.face_contrast.stops)} stops (what the camera records)`) : null,
    );
    const pattern = a.pattern
      ? h("div", { class: "pattern" },
        h("div", { class: "big", id: "pattern-name" }, a.pattern.title),
        h("div", { class: "muted" }, `${Math.round(a.pattern.confidence * 100)}% sure`),
        a.pattern.alternatives.length
          ? h("div", { class: "muted" }, "close: " + a.pattern.alternatives.slice(0, 2).map((x) => x.title).join(", "))
          : null)
      : h("div", { class: "pattern" }, h("div", { class: "big", id: "pattern-name" }, "—"));
    const rating = h("div", { class: "rating" },
      h("div", { class: `big score s${Math.round(score)}`, id: "rating-score" }, `${fmt(score)}/10`),
      h("div", { class: "muted" }, a.intent ? `judged as ${a.intent.name.replace(/_/g, " ")}: wants ${intentRange(a.intent)}` : ""));
    const meters = Object.entries(a.meter).map(([role, m]) => h("li", {}, h("strong", {}, role), ` ${m.display}`));
    const reasons = a.rating.components.map((c) =>
      h("li", { class: c.score >= 8 ? "good" : c.score >= 5 ? "fair" : "poor" },
        h("span", { class: "component-score" }, fmt(c.score)), ` ${c.name.replace(/_/g, " ")}: ${c.reason}`));
    const recs = a.recommendations.map((r) => {
      const apply = r.field && r.suggested !== null
        ? h("button", { type: "button", class: "small" }, `Set ${r.field.replace(/^lighting\./, "")} to ${fmt(r.suggested, 3)}`)
        : null;
      apply?.addEventListener("click", () => {
        const path = r.field as string;
        this.store.update((s) => setPath(s, path, r.suggested), "values");
      });
      return h("li", {}, r.message, apply ? " " : null, apply);
    });
    const warnings = [...a.warnings, ...a.colour.warnings].map((w) => h("li", {}, w));
    const parts: (HTMLElement | null)[] = [
      h("div", { class: "headline" }, ratio, pattern, rating),
      a.pattern ? h("p", { class: "muted reason" }, a.pattern.reason) : null,
      h("div", { class: "columns" },
        h("div", {}, h("h3", {}, "Why this rating"), h("ul", { class: "reasons" }, ...reasons)),
        h("div", {},
          h("h3", {}, "Meter (incident, per light)"), h("ul", { class: "meter" }, ...meters),
          h("p", { class: "muted" }, `face ${Math.round(a.colour.face_kelvin)} K, ${a.colour.mood}; backdrop ${a.background_stops === null ? "—" : fmt(a.background_stops)} stops from the lit cheek`)),
      ),
      recs.length ? h("div", {}, h("h3", {}, "Try"), h("ul", { class: "recommendations" }, ...recs)) : null,
      warnings.length ? h("div", {}, h("h3", {}, "Warnings"), h("ul", { class: "warnings" }, ...warnings)) : null,
    ];
    this.box.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }
}
