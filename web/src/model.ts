// The lighting setup as the gateway reads it (prolight.domain.schema.LightingSetup, canonical shape),
// with the facts the diagram and the 3D preview need. Units: degrees, metres, kelvin,
// intensity as a fraction (0–1) of the unit's full power.

export const ROLES = ["key", "fill", "rim", "hair", "kicker", "background", "ambient"] as const;
export type Role = (typeof ROLES)[number];

export const MODIFIERS = [
  "bare", "softbox", "octabox", "stripbox", "umbrella", "shoot_through_umbrella",
  "beauty_dish", "grid", "snoot", "fresnel", "reflector",
] as const;
export type Modifier = (typeof MODIFIERS)[number];

export interface ModifierSpec {
  size: number; // metres, diameter or long side
  beam: number; // full beam angle, degrees
  shape: "round" | "rect" | "strip" | "octagon" | "dish" | "spot";
  label: string;
}

/** Mirrors prolight.domain.schema.light.MODIFIERS (sizes, beams and shapes). */
export const MODIFIER_SPECS: Record<Modifier, ModifierSpec> = {
  bare: { size: 0.18, beam: 90, shape: "dish", label: "bare reflector" },
  softbox: { size: 0.9, beam: 120, shape: "rect", label: "softbox 90 cm" },
  octabox: { size: 1.2, beam: 120, shape: "octagon", label: "octabox 120 cm" },
  stripbox: { size: 1.2, beam: 110, shape: "strip", label: "stripbox 30×120 cm" },
  umbrella: { size: 1.0, beam: 140, shape: "round", label: "umbrella 100 cm" },
  shoot_through_umbrella: { size: 1.1, beam: 160, shape: "round", label: "shoot-through umbrella" },
  beauty_dish: { size: 0.55, beam: 80, shape: "dish", label: "beauty dish 55 cm" },
  grid: { size: 0.18, beam: 30, shape: "spot", label: "grid spot 20°" },
  snoot: { size: 0.06, beam: 15, shape: "spot", label: "snoot" },
  fresnel: { size: 0.2, beam: 35, shape: "spot", label: "fresnel spot" },
  reflector: { size: 1.0, beam: 140, shape: "round", label: "reflector (bounce)" },
};

export interface Direction { azimuth: number; elevation: number }
export interface Gel { kind: "cto" | "ctb" | "mired"; amount: number }

export interface Light {
  enabled: boolean;
  intensity: number;
  kelvin: number;
  softness: number;
  distance: number;
  direction: Direction;
  modifier: Modifier;
  modifier_size?: number | null;
  gel?: Gel | null;
}

export const SHOT_TYPES = [
  "headshot", "close_up", "medium_close_up", "medium_shot", "three_quarter", "full_body", "product",
] as const;
export const CAMERA_ANGLES = ["eye_level", "high_angle", "low_angle", "overhead"] as const;

export interface Camera {
  shot_type: (typeof SHOT_TYPES)[number];
  camera_angle: (typeof CAMERA_ANGLES)[number];
  focal_length_mm: number;
  lens_type: string;
  aperture: number;
  iso: number;
  shutter_s: number;
  white_balance_k: number;
  distance_m: number | null;
}

export interface Subject { description: string; kind: "portrait" | "product"; head_turn_deg: number }
export interface Backdrop { type: string; color: string; distance_m: number }

export interface Setup {
  lighting: Partial<Record<Role, Light>>;
  camera: Camera;
  subject: Subject;
  background: Backdrop;
  environment: string;
  style: string | null;
}

export const ROLE_TITLES: Record<Role, string> = {
  key: "Key", fill: "Fill", rim: "Rim", hair: "Hair", kicker: "Kicker",
  background: "Background", ambient: "Ambient",
};

function light(azimuth: number, elevation: number, intensity: number, modifier: Modifier,
  distance: number, softness: number): Light {
  return { enabled: true, intensity, kelvin: 5600, softness, distance,
    direction: { azimuth, elevation }, modifier, modifier_size: null, gel: null };
}

/** A sensible light for each role, used by "Add light". */
export function defaultLight(role: Role): Light {
  switch (role) {
    case "key": return light(45, 30, 0.7, "softbox", 1.4, 0.65);
    case "fill": return light(-45, 0, 0.3, "reflector", 1.3, 0.8);
    case "rim": return light(145, 25, 0.5, "stripbox", 1.5, 0.6);
    case "hair": return light(180, 60, 0.3, "grid", 1.2, 0.1);
    case "kicker": return light(-135, 10, 0.4, "stripbox", 1.5, 0.6);
    case "background": return light(0, 10, 0.3, "bare", 1.0, 0.1);
    case "ambient": return light(0, 0, 0.1, "bare", 3.0, 1.0);
  }
}

export function emptySetup(): Setup {
  return {
    lighting: { key: defaultLight("key") },
    camera: {
      shot_type: "headshot", camera_angle: "eye_level", focal_length_mm: 85, lens_type: "portrait",
      aperture: 8, iso: 100, shutter_s: 1 / 125, white_balance_k: 5600, distance_m: null,
    },
    subject: { description: "portrait subject", kind: "portrait", head_turn_deg: 0 },
    background: { type: "seamless", color: "#808080", distance_m: 1.5 },
    environment: "photo studio",
    style: null,
  };
}

/** Metres of subject the frame holds per shot type (prolight.domain.render.scene.FRAME_HEIGHT_M). */
const FRAME_HEIGHT_M: Record<Camera["shot_type"], number> = {
  close_up: 0.3, headshot: 0.55, medium_close_up: 0.62, medium_shot: 0.9, three_quarter: 1.4,
  full_body: 2.1, product: 0.4,
};

/** Metres from the camera to the subject: as set, or what frames the shot type (4:5 frame). */
export function cameraDistance(camera: Camera): number {
  if (camera.distance_m) return camera.distance_m;
  const fov = 2 * Math.atan(36 / (2 * camera.focal_length_mm));
  return FRAME_HEIGHT_M[camera.shot_type] / (2 * Math.tan(fov / 2) * 5 / 4);
}

/** Normalise an azimuth to (-180, 180]. */
export function wrapAzimuth(deg: number): number {
  let a = ((deg + 180) % 360 + 360) % 360 - 180;
  if (a === -180) a = 180;
  return Math.round(a * 10) / 10;
}

/** Where a light stands on the floor plan, metres: x camera-right, z towards the camera.
 * A background light is placed from the backdrop, as prolight's diagram does. */
export function floorPosition(role: Role, lt: Light, backdrop: Backdrop): { x: number; z: number } {
  const az = (lt.direction.azimuth * Math.PI) / 180;
  const horiz = lt.distance * Math.cos((lt.direction.elevation * Math.PI) / 180);
  let x = horiz * Math.sin(az);
  let z = horiz * Math.cos(az);
  if (role === "background") {
    z = Math.min(-backdrop.distance_m + z, -Math.min(0.4, backdrop.distance_m / 2));
  }
  return { x, z };
}

/** Words for a direction, camera-relative ("45° camera-right, 30° up"). */
export function describeDirection(d: Direction): string {
  const a = Math.abs(d.azimuth);
  const side = a < 0.5 ? "on the camera axis" : a > 179.5 ? "straight behind"
    : `${fmt(a)}° camera-${d.azimuth > 0 ? "right" : "left"}${a > 90 ? " (behind)" : ""}`;
  const height = Math.abs(d.elevation) < 0.5 ? "eye level"
    : `${fmt(Math.abs(d.elevation))}° ${d.elevation > 0 ? "up" : "down"}`;
  return `${side}, ${height}`;
}

/** A number for people: rounded to `digits` places, trailing zeros dropped; "—" for none. */
export function fmt(n: number | null | undefined, digits = 1): string {
  return typeof n === "number" && Number.isFinite(n) ? Number(n.toFixed(digits)).toString() : "—";
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
