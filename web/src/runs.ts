// Generate, follow, cancel and refine runs; the candidates as they arrive; past runs.

import { ApiError, download, request, showArtifact } from "./api";
import { showFieldErrors } from "./controls";
import { byId, h, showError } from "./dom";
import { clone, type Setup } from "./model";
import { fieldFromApi, type Store } from "./store";
import { RunStream, type RunMessage, type StreamState } from "./stream";

interface Links { status: string; stream: string; ws: string }
interface Accepted { run_id: string; links: Links; queued_steps?: number }
/** POST /api/translate: the setup a description becomes, and how it was read (no run). */
interface Translated {
  prompt: { scene: Setup };
  translation: { preset: string | null; notes: string[]; ignored: string[]; resolved: string[] };
}
interface RefineAccepted extends Accepted {
  prompt?: { scene: Setup };
  changes?: { path: string; before: unknown; after: unknown }[];
  notes?: string[];
  ignored?: string[];
}
interface ArtifactOut { id: string; url: string; type: string; kind: string; seed: number | null; scores: Record<string, number> | null }
interface StepOut { id: string; tool: string; status: string; error: string | null; result: Record<string, unknown> | null }
interface StatusOut {
  run_id: string; status: string; progress: number; steps: StepOut[]; artifacts: ArtifactOut[];
  parent_run_id: string | null; error: string | null; result: Record<string, any> | null; // eslint-disable-line @typescript-eslint/no-explicit-any
  created_at: string; links: Links; prompt: { scene: Setup } | null;
}
interface RunSummary { run_id: string; status: string; parent_run_id: string | null; error: string | null; created_at: string }

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const SETUPS_KEY = "prolight.runSetups";
const THUMB = 256;

function artifactUrl(id: string, size?: number): string {
  return `/api/artifacts/${encodeURIComponent(id)}${size ? `?size=${size}` : ""}`;
}

function rememberSetup(runId: string, setup: Setup): void {
  try {
    const all = JSON.parse(localStorage.getItem(SETUPS_KEY) ?? "{}") as Record<string, Setup>;
    all[runId] = setup;
    const ids = Object.keys(all);
    for (const old of ids.slice(0, Math.max(0, ids.length - 50))) delete all[old];
    localStorage.setItem(SETUPS_KEY, JSON.stringify(all));
  } catch {
    // storage full or off: the run still works, it just cannot be reopened into the controls
  }
}

function rememberedSetup(runId: string): Setup | null {
  try {
    return (JSON.parse(localStorage.getItem(SETUPS_KEY) ?? "{}") as Record<string, Setup>)[runId] ?? null;
  } catch {
    return null;
  }
}

function taskName(taskId: string): string {
  const m = /-i(\d+)-(generate|evaluate|export)(?:-(\d+))?$/.exec(taskId);
  if (!m) return taskId;
  const [, iteration, tool, index] = m;
  const what = index === undefined ? tool : `${tool} image ${Number(index) + 1}`;
  return Number(iteration) > 1 ? `${what} (round ${iteration})` : what;
}

function scoreText(score: number | undefined): string {
  return score === undefined ? "scoring…" : `score ${(score * 100).toFixed(1)}/100`;
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return String(Number(value.toFixed(3)));
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** What a refinement changed ("lighting.fill.intensity 0.3 → 0.15"), and how it read the words. */
function refineNotes(r: RefineAccepted): HTMLElement[] {
  const out: HTMLElement[] = [];
  const changes = r.changes ?? [];
  out.push(changes.length
    ? h("div", {}, h("strong", {}, "Changed"), h("ul", { class: "changes" }, ...changes.map((c) =>
      h("li", {}, h("code", {}, c.path.replace(/^\/?scene[./]/, "").replace(/\//g, ".")), ` ${shown(c.before)} → ${shown(c.after)}`))))
    : h("p", {}, "The instruction changed nothing in the setup."));
  if (r.notes?.length) out.push(h("div", {}, h("strong", {}, "Read as"), h("ul", {}, ...r.notes.map((n) => h("li", {}, n)))));
  if (r.ignored?.length) out.push(h("div", {}, h("strong", {}, "Not used"), h("ul", {}, ...r.ignored.map((n) => h("li", {}, n)))));
  return out;
}

/** One run on screen: progress, steps, candidates, downloads, cancel and refine. */
class RunView {
  stream: RunStream | null = null;
  status = "created";
  private readonly candidates = new Map<string, { figure: HTMLElement; caption: HTMLElement; score?: number; seed: number | null }>();
  private readonly tasks = new Map<string, HTMLElement>();
  private best: string | null = null;
  private planned = 0;
  private files: Record<string, string> = {};

  constructor(readonly runId: string, private readonly onEnd: () => void, note = "") {
    byId("run").hidden = false;
    byId("run-title").textContent = `Run ${runId}`;
    byId("tasks").replaceChildren();
    byId("run-notes").replaceChildren();
    byId("candidates").replaceChildren();
    byId("downloads").replaceChildren();
    byId("connection").textContent = "";
    byId("refine-form").hidden = true;
    showError(byId("refine-error"), "");
    this.setProgress(0);
    this.setState("created");
    if (note) this.lineage(note);
  }

  /** Where the run came from ("refined from run_…: “…”"), kept above its state line. */
  lineage(text: string): void {
    const notes = byId("run-notes");
    notes.querySelector(".lineage")?.remove();
    notes.prepend(h("p", { class: "lineage muted" }, text));
  }

  follow(wsUrl: string): void {
    this.stream = new RunStream(this.runId, wsUrl, {
      message: (m) => this.message(m),
      state: (state, detail) => this.connection(state, detail),
    });
    (window as unknown as { prolight: Record<string, unknown> }).prolight.stream = this.stream;
    this.stream.start();
  }

  stop(): void {
    this.stream?.stop();
  }

  private connection(state: StreamState, detail: string): void {
    const line = byId("connection");
    line.dataset.state = state;
    const drops = this.stream?.reconnects ?? 0;
    line.textContent = state !== "ended" ? detail
      : drops ? `The connection dropped ${drops}× during the run and resumed each time; every event arrived once.` : "";
  }

  private setProgress(fraction: number): void {
    const pct = Math.round(fraction * 100);
    byId("progress-bar").style.width = `${pct}%`;
    byId("progress").setAttribute("aria-valuenow", String(pct));
    byId("progress").setAttribute("aria-valuetext", `${pct}%`);
    byId("progress-text").textContent = `${pct}%`;
  }

  private setState(status: string, detail = ""): void {
    this.status = status;
    const line = byId("run-state");
    line.dataset.status = status;
    const words: Record<string, string> = {
      created: "Queued", planning: "Planning", running: "Rendering and scoring",
      in_progress: "Rendering and scoring", completed: "Done",
      failed: "Failed", cancelled: "Cancelled",
    };
    line.textContent = `${words[status] ?? status}${detail ? ` — ${detail}` : ""}`;
    const running = !TERMINAL.has(status);
    (byId("tasks-box") as HTMLDetailsElement).open = running;
    byId<HTMLButtonElement>("cancel").disabled = !running;
    byId("refine-form").hidden = status !== "completed";
    if (!running) this.onEnd();
  }

  private task(taskId: string, text: string, state: string): void {
    let item = this.tasks.get(taskId);
    if (!item) {
      item = h("li", {});
      this.tasks.set(taskId, item);
      byId("tasks").append(item);
    }
    item.dataset.state = state;
    item.textContent = `${taskName(taskId)} — ${text}`;
    this.countSteps();
  }

  private countSteps(): void {
    const done = Array.from(this.tasks.values()).filter((t) => t.dataset.state !== "started").length;
    const total = Math.max(this.planned, this.tasks.size);
    byId("tasks-box").querySelector("summary")!.textContent = `Steps: ${done} of ${total} finished`;
  }

  addCandidate(artifactId: string, seed: number | null, score?: number): void {
    if (this.candidates.has(artifactId)) return;
    const img = h("img", { alt: `candidate ${this.candidates.size + 1}${seed === null ? "" : `, seed ${seed}`}`, width: 160, height: 200, loading: "lazy" });
    showArtifact(img, artifactUrl(artifactId, THUMB));
    const caption = h("figcaption", {});
    const open = h("button", { type: "button", class: "thumb", "aria-label": `Download candidate ${this.candidates.size + 1} at full size` }, img);
    open.addEventListener("click", () => void download(artifactUrl(artifactId), `${artifactId}.png`));
    const figure = h("figure", { class: "candidate" }, open, caption);
    figure.dataset.artifact = artifactId;
    this.candidates.set(artifactId, { figure, caption, seed, score });
    byId("candidates").append(figure);
    this.caption(artifactId);
  }

  private caption(artifactId: string): void {
    const c = this.candidates.get(artifactId);
    if (!c) return;
    const winner = artifactId === this.best;
    c.figure.classList.toggle("winner", winner);
    c.figure.dataset.score = c.score === undefined ? "" : String(c.score);
    c.caption.replaceChildren(
      winner ? h("span", { class: "badge" }, "★ chosen") : "",
      h("span", {}, `${c.seed === null ? "" : `seed ${c.seed} · `}${scoreText(c.score)}`),
    );
  }

  setScore(artifactId: string, score: number): void {
    const c = this.candidates.get(artifactId);
    if (!c) return;
    c.score = score;
    this.caption(artifactId);
  }

  finish(best: string | null, files: Record<string, string>): void {
    this.best = best;
    for (const id of this.candidates.keys()) this.caption(id);
    // Best first: the chosen image leads the sheet.
    const box = byId("candidates");
    const order = Array.from(this.candidates.entries()).sort((a, b) => (b[1].score ?? -1) - (a[1].score ?? -1));
    for (const [, c] of order) box.append(c.figure);
    this.files = { ...this.files, ...files };
    const buttons: HTMLElement[] = [];
    const labels: [string, string, string][] = [
      ["chosen", "Chosen image", "png"], ["contact_sheet", "Contact sheet", "png"],
      ["diagram", "Lighting diagram", "png"], ["bundle", "Bundle (.zip)", "zip"],
    ];
    for (const [kind, label, ext] of labels) {
      const id = this.files[kind];
      if (!id) continue;
      const button = h("button", { type: "button", class: "small", "data-download": kind }, `⬇ ${label}`);
      button.addEventListener("click", () => void download(artifactUrl(id), `${this.runId}-${kind}.${ext}`).catch(
        (e: unknown) => showError(byId("generate-error"), `Download failed: ${(e as Error).message}`)));
      buttons.push(button);
    }
    byId("downloads").replaceChildren(...buttons);
  }

  private message(m: RunMessage): void {
    this.setProgress(m.progress);
    const p = m.payload;
    switch (m.type) {
      case "run.created": {
        // The same count the notifier's progress uses: (generate + evaluate per image + export)
        // × iterations.
        const o = (p.options ?? {}) as { num_results?: number; max_iterations?: number };
        this.planned = (2 * (o.num_results ?? 4) + 1) * (o.max_iterations ?? 1);
        this.countSteps();
        if (p.parent_run_id && !byId("run-notes").querySelector(".lineage")) this.lineage(`Refined from ${p.parent_run_id}`);
        this.setState("planning");
        break;
      }
      case "task.started":
        if (this.status !== "running") this.setState("running");
        this.task(m.task_id ?? "", p.attempt > 1 ? `started (attempt ${p.attempt})` : "started", "started");
        break;
      case "task.completed": {
        const took = p.duration_ms ? ` in ${(p.duration_ms / 1000).toFixed(1)} s` : "";
        this.task(m.task_id ?? "", p.status === "cached" ? "from the cache" : `done${took}`, "done");
        const r = p.result ?? {};
        if (p.tool === "evaluate" && typeof r.artifact_id === "string") {
          const score = typeof r.final === "number" ? r.final : typeof r.score === "number" ? r.score : undefined;
          if (score !== undefined) this.setScore(r.artifact_id, score);
        }
        break;
      }
      case "task.failed":
        this.task(m.task_id ?? "", `failed: ${p.reason}`, "failed");
        break;
      case "artifact.ready":
        if (p.kind === "image" && !String(p.artifact_id).includes("-export")) this.addCandidate(p.artifact_id, p.seed ?? null);
        else this.files[p.kind] = p.artifact_id;
        break;
      case "run.completed":
        this.finish(p.best_artifact_id ?? null, {
          chosen: p.best_artifact_id, bundle: p.bundle_artifact_id ?? this.files.bundle,
        });
        this.setState("completed", p.best_score ? `best ${scoreText(p.best_score)}${p.stop_reason ? `, stopped on ${String(p.stop_reason).replace(/_/g, " ")}` : ""}` : "");
        break;
      case "run.failed":
        this.setState("failed", p.reason ?? "");
        break;
      case "run.cancelled":
        this.finish(null, {});
        this.setState("cancelled", p.reason && p.reason !== "cancelled on request" ? p.reason : "");
        break;
    }
  }

  /** Fill the view from GET /api/status (a past run). */
  fromStatus(s: StatusOut): void {
    this.setProgress(s.progress);
    for (const step of s.steps) {
      const text = step.status === "failed" ? `failed: ${step.error ?? ""}` : step.status === "cached" ? "from the cache" : step.status;
      this.task(step.id, text, step.status === "started" || step.status === "queued" ? "started" : "done");
    }
    const files: Record<string, string> = {};
    for (const a of s.artifacts) {
      if (a.kind === "image") this.addCandidate(a.id, a.seed, a.scores?.final);
      else files[a.kind] = a.id;
    }
    const best = (s.result?.best_artifact_id as string | undefined) ?? null;
    if (best) files.chosen = best;
    this.finish(best, files);
    if (s.parent_run_id) this.lineage(`Refined from ${s.parent_run_id}`);
    this.setState(s.status, s.error ?? "");
  }
}

export class Runs {
  private view: RunView | null = null;

  constructor(private readonly store: Store) {
    byId("generate-form").addEventListener("submit", (e) => { e.preventDefault(); void this.generate(); });
    byId("describe-form").addEventListener("submit", (e) => { e.preventDefault(); void this.describe(); });
    byId("cancel").addEventListener("click", () => void this.cancel());
    byId("refine-form").addEventListener("submit", (e) => { e.preventDefault(); void this.refine(); });
    byId("final-go").addEventListener("click", () => { void this.finalRender(); });
    byId("history-reload").addEventListener("click", () => void this.history());
    void this.history();
  }

  private options(): Record<string, number> {
    const out: Record<string, number> = { num_results: Number(byId<HTMLInputElement>("num-results").value || 4) };
    const seed = byId<HTMLInputElement>("seed").value.trim();
    if (seed) out.seed = Number(seed);
    return out;
  }

  private show(runId: string, note = ""): RunView {
    this.view?.stop();
    this.view = new RunView(runId, () => void this.history(), note);
    return this.view;
  }

  private async busy<T>(button: string, work: () => Promise<T>): Promise<T | undefined> {
    const b = byId<HTMLButtonElement>(button);
    b.disabled = true;
    b.setAttribute("aria-busy", "true");
    try {
      return await work();
    } finally {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    }
  }

  private fail(slot: string, err: unknown, what: string): void {
    const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err));
    const unplaced = showFieldErrors(e.problems, (f) => fieldFromApi(f).replace(/^(num_results|seed)$/, "$1"));
    const numberField = e.problems.find((p) => p.field === "num_results" || p.field === "seed");
    showError(byId(slot), `${what}: ${numberField ? `${numberField.field.replace("_", " ")} — ${numberField.message}` : unplaced.join("; ") || (e.problems.length ? "fix the field marked in red" : e.message)}`);
  }

  async generate(): Promise<void> {
    showError(byId("generate-error"), "");
    await this.busy("generate", async () => {
      const setup = clone(this.store.setup);
      try {
        const quality = byId<HTMLSelectElement>("quality").value;
        const accepted = await request<Accepted>("POST", "/api/generate/lighting-setup",
          { schema_version: "fibo_v1", scene: setup, output: { quality }, ...this.options() });
        rememberSetup(accepted.run_id, setup);
        this.show(accepted.run_id).follow(accepted.links.ws);
      } catch (err) {
        this.fail("generate-error", err, "Cannot start the run");
      }
    });
  }

  async describe(): Promise<void> {
    const text = byId<HTMLTextAreaElement>("describe").value.trim();
    const slot = byId("describe-error");
    showError(slot, "");
    if (!text) {
      showError(slot, "Describe the light first, e.g. “soft butterfly light, warm tones”.");
      return;
    }
    await this.busy("describe-go", async () => {
      try {
        const translated = await request<Translated>("POST", "/api/translate",
          { lighting_description: text, subject: this.store.setup.subject.description || null });
        this.store.replace(translated.prompt.scene);
        const t = translated.translation;
        // "Start from" names what the set now is: the preset the words were read as.
        const select = byId<HTMLSelectElement>("preset");
        if (t.preset && [...select.options].some((o) => o.value === t.preset)) {
          select.value = t.preset;
          select.dispatchEvent(new Event("change"));
        }
        const list = (title: string, items: string[]): HTMLElement | null =>
          items.length ? h("div", {}, h("strong", {}, title), h("ul", {}, ...items.map((i) => h("li", {}, i)))) : null;
        const parts = [
          t.preset ? h("p", {}, "Read as the ", h("strong", {}, t.preset.replace(/_/g, " ")), " preset, adjusted:") : h("p", {}, "Read as:"),
          list("Understood", t.notes), list("Resolved", t.resolved), list("Not used", t.ignored),
        ];
        byId("translation").replaceChildren(
          ...parts.filter((p): p is HTMLElement => p !== null),
          h("p", { class: "muted" }, "Check the set, adjust anything, then Generate."));
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err));
        showError(slot, e.problems.find((p) => p.field === "lighting_description")?.message ?? e.message);
      }
    });
  }

  async cancel(): Promise<void> {
    const view = this.view;
    if (!view) return;
    showError(byId("generate-error"), "");
    try {
      await request("POST", `/api/runs/${encodeURIComponent(view.runId)}/cancel`);
      byId("run-state").textContent = "Cancelling…";
    } catch (err) {
      const e = err as ApiError;
      showError(byId("generate-error"), e.status === 409 ? "The run had already finished." : `Cannot cancel: ${e.message}`);
    }
  }

  async refine(): Promise<void> {
    const view = this.view;
    const slot = byId("refine-error");
    showError(slot, "");
    const instruction = byId<HTMLInputElement>("refine").value.trim();
    if (!view) return;
    if (!instruction) {
      showError(slot, "Say what to change, e.g. “one stop less fill”.");
      return;
    }
    await this.busy("refine-go", async () => {
      try {
        const accepted = await request<RefineAccepted>("POST",
          `/api/runs/${encodeURIComponent(view.runId)}/refine`, { instruction });
        const parent = view.runId;
        const next = this.show(accepted.run_id, `Refined from ${parent}: “${instruction}”`);
        const scene = accepted.prompt?.scene ?? rememberedSetup(parent);
        if (scene) {
          this.store.replace(scene); // the controls show what the refinement changed
          rememberSetup(accepted.run_id, scene);
        }
        byId("run-notes").append(...refineNotes(accepted));
        next.follow(accepted.links.ws);
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err));
        showError(slot, e.noRoute
          ? "Refine is not available on this server yet (the gateway has no POST /api/runs/{id}/refine)."
          : `Cannot refine: ${e.problems[0]?.message ?? e.message}`);
      }
    });
  }

  /** The chosen image again in the final quality: a child run of one image, same seed. */
  async finalRender(): Promise<void> {
    const view = this.view;
    const slot = byId("refine-error");
    showError(slot, "");
    if (!view) return;
    await this.busy("final-go", async () => {
      try {
        const accepted = await request<RefineAccepted>("POST",
          `/api/runs/${encodeURIComponent(view.runId)}/final`, {});
        const parent = view.runId;
        const next = this.show(accepted.run_id, `Final render of ${parent}'s chosen image`);
        const scene = accepted.prompt?.scene ?? rememberedSetup(parent);
        if (scene) rememberSetup(accepted.run_id, scene);
        next.follow(accepted.links.ws);
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(0, "error", String(err));
        showError(slot, `Cannot render it final: ${e.problems[0]?.message ?? e.message}`);
      }
    });
  }

  /** Open a past run: its results, or its live stream if it is still going. */
  async open(runId: string): Promise<void> {
    showError(byId("history-error"), "");
    try {
      const status = await request<StatusOut>("GET", `/api/status/${encodeURIComponent(runId)}`);
      const setup = status.prompt?.scene ?? rememberedSetup(runId);
      if (setup) this.store.replace(setup);
      const view = this.show(runId, setup ? "" : "This run's setup is not available: the controls keep your current setup.");
      if (TERMINAL.has(status.status)) view.fromStatus(status);
      else view.follow(status.links.ws);
      byId("run").scrollIntoView({ block: "nearest" });
    } catch (err) {
      showError(byId("history-error"), `Cannot open ${runId}: ${(err as Error).message}`);
    }
  }

  async history(): Promise<void> {
    const list = byId("history");
    try {
      const page = await request<{ items: RunSummary[] }>("GET", "/api/runs?limit=12");
      showError(byId("history-error"), "");
      list.replaceChildren(...page.items.map((run) => this.historyItem(run)));
      if (!page.items.length) list.replaceChildren(h("li", { class: "muted" }, "No runs yet."));
    } catch (err) {
      showError(byId("history-error"), `Cannot list runs: ${(err as Error).message}`);
    }
  }

  private historyItem(run: RunSummary): HTMLElement {
    const img = h("img", { alt: "", width: 48, height: 60 });
    const when = new Date(run.created_at);
    const button = h("button", { type: "button", class: "history-item", "data-run": run.run_id },
      img,
      h("span", {},
        h("span", { class: `status status-${run.status}` }, run.status),
        " ", h("time", { datetime: run.created_at }, when.toLocaleString()),
        run.parent_run_id ? h("span", { class: "muted" }, " · refined") : null,
        h("span", { class: "muted run-id" }, run.run_id)));
    button.addEventListener("click", () => void this.open(run.run_id));
    if (run.status === "completed") {
      request<StatusOut>("GET", `/api/status/${encodeURIComponent(run.run_id)}`).then((s) => {
        const best = s.result?.best_artifact_id as string | undefined;
        if (best) showArtifact(img, artifactUrl(best, 128));
      }).catch(() => undefined);
    }
    return h("li", {}, button);
  }
}
