// How much light reaches the subject and what exposure the camera is set for: the numbers
// prolight.domain.physics.photometry gives the analysis and the renderer (render/scene.py), so
// the 3D preview is lit and exposed as the render is. Units: lux, metres, seconds.
// The browser tests check `onAxisLux` against the analysis's meter readings, light by light.

import type { Camera, Light, Modifier, Role } from "./model";

/** Lux from a bare unit at full power, 1 m away (photometry.FULL_POWER_LUX_AT_1M). */
export const FULL_POWER_LUX_AT_1M = 80_000;
/** Share of a bare unit at 1 m that an ambient light at intensity 1 gives (AMBIENT_SHARE). */
export const AMBIENT_SHARE = 0.05;
/** Incident-meter calibration constant, lux (INCIDENT_METER_C). */
export const INCIDENT_METER_C = 250;

/** Light reaching the subject against a bare reflector's (schema.light.MODIFIERS efficiency). */
export const MODIFIER_EFFICIENCY: Record<Modifier, number> = {
  bare: 1.0, softbox: 0.5, octabox: 0.45, stripbox: 0.35, umbrella: 0.6,
  shoot_through_umbrella: 0.5, beauty_dish: 0.75, grid: 0.7, snoot: 0.4, fresnel: 1.4,
  reflector: 0.25,
};

/** Illuminance in lux on a surface squarely facing `light` where it is aimed (the subject; the
 * backdrop for a background light); the room's even level for the ambient role. */
export function onAxisLux(role: Role, light: Light): number {
  if (!light.enabled || light.intensity <= 0) return 0;
  if (role === "ambient") return FULL_POWER_LUX_AT_1M * AMBIENT_SHARE * light.intensity;
  const efficiency = MODIFIER_EFFICIENCY[light.modifier] ?? 1;
  return (FULL_POWER_LUX_AT_1M * light.intensity * efficiency) / light.distance ** 2;
}

/** The lux the camera's settings expose for: an incident meter's N² = E·S·t/C solved for E
 * (render/scene.py `meter_lux`). Under this much light a surface of albedo ρ comes out as scene
 * value ρ: mid-grey card (0.18) as mid-grey. */
export function meterLux(camera: Camera): number {
  return (INCIDENT_METER_C * camera.aperture ** 2) / (camera.iso * camera.shutter_s);
}
