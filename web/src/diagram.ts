// The top-down set diagram (SVG): camera at the bottom, backdrop at the top, each light a
// handle at its azimuth and horizontal distance. Drag a handle, or focus it and use the keys:
// ←/→ angle (5°, Shift 1°), ↑/↓ distance (10 cm), PageUp/PageDown height (5°).

import { h, svg } from "./dom";
import { effectiveKelvin, kelvinToHex } from "./kelvin";
import {
  MODIFIER_SPECS, ROLE_TITLES, cameraDistance, describeDirection, floorPosition, fmt, wrapAzimuth,
  type Role,
} from "./model";
import type { Store } from "./store";

const VIEW = 420; // SVG user units across

export class Diagram {
  private readonly root: SVGSVGElement;
  private extent = 3.5; // metres from the centre to the edge
  private dragging: Role | null = null;

  constructor(host: HTMLElement, private readonly store: Store) {
    this.root = svg("svg", { viewBox: `0 0 ${VIEW} ${VIEW}`, role: "group",
      "aria-label": "Top view of the set: drag a light to move it" });
    host.append(this.root, h("p", { class: "sr-only", id: "diagram-help" },
      "Left and right arrows change the light's angle, up and down its distance, Page Up and Page Down its height."));
    store.on(() => this.render());
    this.root.addEventListener("pointermove", (e) => this.drag(e));
    const stop = (): void => { this.dragging = null; };
    this.root.addEventListener("pointerup", stop);
    this.root.addEventListener("pointercancel", stop);
    this.render();
  }

  private px(x: number, z: number): [number, number] {
    const s = VIEW / 2 / this.extent;
    return [VIEW / 2 + x * s, VIEW / 2 + z * s];
  }

  private metres(clientX: number, clientY: number): { x: number; z: number } {
    const box = this.root.getBoundingClientRect();
    const u = ((clientX - box.left) / box.width) * VIEW;
    const v = ((clientY - box.top) / box.height) * VIEW;
    const s = VIEW / 2 / this.extent;
    return { x: (u - VIEW / 2) / s, z: (v - VIEW / 2) / s };
  }

  private render(): void {
    if (this.dragging) {
      this.drawLights();
      return;
    }
    const { setup } = this.store;
    const cam = cameraDistance(setup.camera);
    const far = Object.entries(setup.lighting).reduce((m, [role, lt]) => {
      const p = floorPosition(role as Role, lt!, setup.background);
      return Math.max(m, Math.abs(p.x), Math.abs(p.z));
    }, 0);
    this.extent = Math.max(1.6, cam + 0.35, setup.background.distance_m + 0.35, far + 0.45);
    this.drawLights();
  }

  private drawLights(): void {
    const { setup, selected } = this.store;
    const root = this.root;
    // Redrawing replaces the handles: keep keyboard focus on the one that had it.
    const focused = (document.activeElement as SVGElement | null)?.closest?.("#diagram g.light");
    const focusedRole = focused instanceof SVGGElement ? focused.dataset.role : undefined;
    root.replaceChildren();
    const s = VIEW / 2 / this.extent;
    // Floor grid every half metre (every metre when zoomed out).
    const step = this.extent > 5 ? 1 : 0.5;
    const grid = svg("g", { class: "grid" });
    for (let m = -Math.ceil(this.extent / step) * step; m <= this.extent; m += step) {
      const [a] = this.px(m, 0);
      const [, b] = this.px(0, m);
      grid.append(svg("line", { x1: a, y1: 0, x2: a, y2: VIEW }), svg("line", { x1: 0, y1: b, x2: VIEW, y2: b }));
    }
    root.append(grid);
    // Backdrop, subject, camera.
    const [, by] = this.px(0, -setup.background.distance_m);
    root.append(svg("rect", { x: 30, y: by - 8, width: VIEW - 60, height: 8, class: "backdrop", fill: setup.background.color }));
    const label = svg("text", { x: VIEW / 2, y: Math.max(by - 13, 12), class: "label", "text-anchor": "middle" });
    label.textContent = `backdrop · ${fmt(setup.background.distance_m, 2)} m behind`;
    root.append(label);
    const [cx, cy] = this.px(0, Math.min(cameraDistance(setup.camera), this.extent - 0.25));
    root.append(svg("rect", { x: cx - 18, y: cy - 12, width: 36, height: 24, rx: 4, class: "camera" }));
    root.append(svg("polygon", { points: `${cx - 8},${cy - 12} ${cx + 8},${cy - 12} ${cx + 12},${cy - 24} ${cx - 12},${cy - 24}`, class: "camera" }));
    const camLabel = svg("text", { x: cx, y: Math.min(cy + 26, VIEW - 4), class: "label", "text-anchor": "middle" });
    camLabel.textContent = `camera · ${fmt(cameraDistance(setup.camera), 2)} m · ${Math.round(setup.camera.focal_length_mm)} mm`;
    root.append(camLabel);
    const [sx, sy] = this.px(0, 0);
    const turn = (setup.subject.head_turn_deg * Math.PI) / 180;
    root.append(svg("circle", { cx: sx, cy: sy, r: 0.1 * s + 4, class: "subject" }));
    root.append(svg("line", { x1: sx, y1: sy, x2: sx + Math.sin(turn) * (0.1 * s + 14), y2: sy + Math.cos(turn) * (0.1 * s + 14), class: "nose" }));
    // Lights: beam wedge, modifier bar, handle, label.
    const labels: [number, number][] = [[cx, Math.min(cy + 26, VIEW - 4)]];
    // The selected light last, so it is drawn over any light at the same place.
    const entries = Object.entries(setup.lighting).sort(([a], [b]) => Number(a === selected) - Number(b === selected));
    for (const [roleName, lt] of entries) {
      const role = roleName as Role;
      if (!lt) continue;
      if (role === "ambient") continue; // everywhere at once: no place on the floor
      const p = floorPosition(role, lt, setup.background);
      const [x, y] = this.px(p.x, p.z);
      const target = role === "background" ? this.px(0, -setup.background.distance_m) : [sx, sy];
      const angle = Math.atan2(target[1] - y, target[0] - x);
      const spec = MODIFIER_SPECS[lt.modifier] ?? MODIFIER_SPECS.bare;
      const colour = kelvinToHex(effectiveKelvin(lt.kelvin, lt.gel), setup.camera.white_balance_k);
      const g = svg("g", { class: `light${role === selected ? " selected" : ""}${lt.enabled ? "" : " off"}`,
        tabindex: 0, role: "slider", "data-role": role,
        "aria-label": `${ROLE_TITLES[role]} light`,
        "aria-valuetext": `${describeDirection(lt.direction)}, ${fmt(lt.distance, 2)} metres`,
        "aria-valuenow": lt.direction.azimuth, "aria-valuemin": -180, "aria-valuemax": 180,
        "aria-describedby": "diagram-help" });
      if (lt.enabled) {
        const half = (Math.min(spec.beam, 150) * Math.PI) / 360;
        const reach = Math.hypot(target[0] - x, target[1] - y) * 1.15;
        g.append(svg("path", {
          d: `M${x},${y} L${x + reach * Math.cos(angle - half)},${y + reach * Math.sin(angle - half)} A${reach},${reach} 0 0 1 ${x + reach * Math.cos(angle + half)},${y + reach * Math.sin(angle + half)} Z`,
          class: "beam", fill: colour, "fill-opacity": 0.06 + 0.22 * lt.intensity,
        }));
      }
      const width = Math.max(spec.size * s, 12);
      const bar = svg("rect", { x: -width / 2, y: -4, width, height: 8, rx: spec.shape === "round" || spec.shape === "octagon" ? 5 : 1,
        class: "modifier", fill: colour, transform: `translate(${x},${y}) rotate(${(angle * 180) / Math.PI + 90})` });
      g.append(bar, svg("circle", { cx: x, cy: y, r: 11, class: "handle" }));
      const text = svg("text", { x, y: y + 4, class: "handle-text", "text-anchor": "middle" });
      text.textContent = ROLE_TITLES[role][0];
      g.append(text);
      // The label sits beyond the handle, away from the subject, so labels rarely collide.
      const away = Math.hypot(x - sx, y - sy) || 1;
      const ux = (x - sx) / away;
      const uy = (y - sy) / away;
      const el = Math.round(lt.direction.elevation);
      const words = `${ROLE_TITLES[role].toLowerCase()} ${Math.round(lt.direction.azimuth)}°${el ? ` ${el > 0 ? "↑" : "↓"}${Math.abs(el)}°` : ""} · ${fmt(lt.distance, 2)} m`;
      const textWidth = words.length * 6.6; // 12.5 px type
      // On the camera axis the label goes beside the handle, clear of the camera's.
      const beside = Math.abs(ux) < 0.35;
      const gap = Math.max(16, width / 2 + 6);
      const flip = beside && x + gap + textWidth > VIEW - 2; // no room on the right
      const above = flip && x - gap - textWidth < 2; // nor on the left: above the handle
      let ly = above ? y - 16 : beside ? y + 4 : y + uy * 22 + 4;
      let lx = above ? x : beside ? (flip ? x - gap : x + gap) : x + ux * 22;
      const anchor = above ? "middle" : flip || (!beside && ux < 0) ? "end" : "start";
      // Keep the whole label inside the drawing.
      const left = anchor === "start" ? lx : anchor === "end" ? lx - textWidth : lx - textWidth / 2;
      if (left < 2) lx += 2 - left;
      else if (left + textWidth > VIEW - 2) lx -= left + textWidth - (VIEW - 2);
      // Two lights at one spot (clamshell: key above, fill below): stack their labels.
      while (labels.some(([ox, oy]) => Math.abs(ox - lx) < 90 && Math.abs(oy - ly) < 13)) ly += 14;
      labels.push([lx, ly]);
      const tag = svg("text", { x: lx, y: ly, class: "label",
        "text-anchor": anchor });
      tag.textContent = words;
      g.append(tag);
      g.addEventListener("pointerdown", (e) => {
        e.preventDefault();
        this.dragging = role;
        this.root.setPointerCapture(e.pointerId);
        if (this.store.selected !== role) this.store.select(role);
        (this.root.querySelector(`[data-role="${role}"]`) as SVGGElement | null)?.focus();
      });
      g.addEventListener("keydown", (e) => this.key(role, e));
      g.addEventListener("focus", () => { if (this.store.selected !== role && !this.dragging) this.store.select(role); });
      root.append(g);
    }
    if (focusedRole) (root.querySelector(`[data-role="${focusedRole}"]`) as SVGGElement | null)?.focus();
  }

  private drag(e: PointerEvent): void {
    const role = this.dragging;
    if (!role) return;
    const lt = this.store.setup.lighting[role];
    if (!lt) return;
    let { x, z } = this.metres(e.clientX, e.clientY);
    if (role === "background") z += this.store.setup.background.distance_m;
    const horiz = Math.max(Math.hypot(x, z), 0.15);
    const cosEl = Math.max(Math.cos((lt.direction.elevation * Math.PI) / 180), 0.05);
    const azimuth = wrapAzimuth(Math.round((Math.atan2(x, z) * 180) / Math.PI));
    const distance = Math.min(Math.max(Math.round((horiz / cosEl) * 20) / 20, 0.3), 10);
    this.store.update((setup) => {
      const light = setup.lighting[role];
      if (!light) return;
      light.direction.azimuth = azimuth;
      light.distance = distance;
    }, "values", "diagram");
    (this.root.querySelector(`[data-role="${role}"]`) as SVGGElement | null)?.focus();
  }

  private key(role: Role, e: KeyboardEvent): void {
    const fine = e.shiftKey;
    const moves: Record<string, (d: { az: number; el: number; dist: number }) => void> = {
      ArrowLeft: (d) => { d.az -= fine ? 1 : 5; },
      ArrowRight: (d) => { d.az += fine ? 1 : 5; },
      ArrowUp: (d) => { d.dist += fine ? 0.01 : 0.1; },
      ArrowDown: (d) => { d.dist -= fine ? 0.01 : 0.1; },
      PageUp: (d) => { d.el += fine ? 1 : 5; },
      PageDown: (d) => { d.el -= fine ? 1 : 5; },
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    this.store.update((setup) => {
      const lt = setup.lighting[role];
      if (!lt) return;
      const d = { az: lt.direction.azimuth, el: lt.direction.elevation, dist: lt.distance };
      move(d);
      lt.direction.azimuth = wrapAzimuth(d.az);
      lt.direction.elevation = Math.min(Math.max(d.el, -90), 90);
      lt.distance = Math.min(Math.max(Math.round(d.dist * 100) / 100, 0.05), 30);
    }, "values", "diagram");
    (this.root.querySelector(`[data-role="${role}"]`) as SVGGElement | null)?.focus();
  }
}
