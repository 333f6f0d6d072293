// The studio page: presets, the controls, the top view, the 3D preview, the live analysis and
// runs. Everything talks to the gateway on this origin and to the notifier's WebSocket.

import { AnalysisPanel } from "./analysis";
import { ApiError, apiKey, request, setApiKey } from "./api";
import { Controls } from "./controls";
import { Diagram } from "./diagram";
import { byId, showError } from "./dom";
import { kelvinToHex } from "./kelvin";
import { clone, emptySetup, type Setup } from "./model";
import { Preview3D } from "./preview3d";
import { Runs } from "./runs";
import { Store } from "./store";

interface PresetSummary { name: string; title: string; description: string }

async function loadPresets(store: Store): Promise<void> {
  const select = byId<HTMLSelectElement>("preset");
  const slot = byId("preset-error");
  const description = byId("preset-description");
  let presets: PresetSummary[] = [];
  try {
    presets = await request<PresetSummary[]>("GET", "/api/presets");
  } catch (err) {
    showError(slot, `Presets unavailable: ${(err as ApiError).message}`);
  }
  for (const p of presets) select.add(new Option(p.title, p.name));
  const describe = (): void => {
    description.textContent = presets.find((p) => p.name === select.value)?.description ?? "";
  };
  select.addEventListener("change", describe);
  byId("preset-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(slot, "");
    if (!select.value) {
      store.replace(emptySetup());
      return;
    }
    try {
      const preset = await request<{ setup: Setup }>("GET", `/api/presets/${encodeURIComponent(select.value)}`);
      store.replace(preset.setup);
    } catch (err) {
      showError(slot, `Cannot load the preset: ${(err as ApiError).message}`);
    }
  });
}

function settings(): void {
  const input = byId<HTMLInputElement>("api-key");
  input.value = apiKey();
  input.addEventListener("change", () => setApiKey(input.value.trim()));
}

function main(): void {
  const store = new Store();
  const debug: Record<string, unknown> = { store };
  (window as unknown as { prolight: Record<string, unknown> }).prolight = debug;
  settings();
  new Controls(store);
  new Diagram(byId("diagram"), store);
  debug.preview = new Preview3D(byId("preview"), store);
  debug.analysis = new AnalysisPanel(store);
  new Runs(store);
  void loadPresets(store);
  debug.snapshot = (): Setup => clone(store.setup);
  debug.kelvinToHex = kelvinToHex; // the browser tests compare it with prolight.domain.physics.kelvin
  document.body.dataset.ready = "true";
}

main();
