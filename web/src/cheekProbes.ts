// Where the face meter's two cheek probes (physics/face.py, render/measure.py) are on the
// preview's canvas: the sitter's skin vertices in the cheek zone whose normal lies within
// `PROBE_TOLERANCE_DEG` of a probe's normal, facing the camera, projected to drawing-buffer
// pixels. The browser tests read the canvas there to check that the preview's shading follows
// the light as the analysis and the renderer say it does.

import * as THREE from "three";

/** Largest angle (degrees) between a vertex's normal and a probe's (measure.PROBE_TOLERANCE_DEG). */
export const PROBE_TOLERANCE_DEG = 12;
/** Outward normals of the cheek probes: this far to each side of the face's axis (face.py). */
const CHEEK_AZIMUTH_DEG = 45;

/** One probe point: canvas pixel (x right, y down) and its normal's two tangent components
 * (radians off the probe's normal, towards the face's +x and +y), for a fit against the normal. */
export type ProbePoint = [number, number, number, number];

/** Probe points on the camera-right (`right`) and camera-left (`left`) cheek. */
export interface CheekProbes { right: ProbePoint[]; left: ProbePoint[] }

/** The cheek zone in the sitter's own frame (metres): below the eyes, above the mouth's corners,
 * clear of the nose (measure._zone), and in front of the ears. The renderer weighs each cheek
 * pixel by the area it covers, where an ear is a few pixels; vertices count alike, and the
 * ear's dense folds would outnumber the cheek's vertices. */
function inZone(p: THREE.Vector3): boolean {
  return p.y > -0.058 && p.y < 0.008 && Math.abs(p.x) > 0.021 && p.z > -0.03;
}

/** Probe points of `body` (the sitter's skin mesh, turned by `headTurnDeg`) seen by `camera`
 * on a canvas of `width` × `height` drawing-buffer pixels. */
export function cheekProbes(body: THREE.Mesh, headTurnDeg: number, camera: THREE.Camera,
  width: number, height: number): CheekProbes {
  body.updateWorldMatrix(true, false);
  camera.updateMatrixWorld();
  const position = body.geometry.getAttribute("position");
  const normal = body.geometry.getAttribute("normal");
  const normalMatrix = new THREE.Matrix3().getNormalMatrix(body.matrixWorld);
  const eye = new THREE.Vector3().setFromMatrixPosition(camera.matrixWorld);
  const cosTol = Math.cos((PROBE_TOLERANCE_DEG * Math.PI) / 180);
  const out: CheekProbes = { right: [], left: [] };
  const local = new THREE.Vector3();
  const world = new THREE.Vector3();
  const n = new THREE.Vector3();
  const toEye = new THREE.Vector3();
  for (const side of [1, -1]) {
    const az = ((CHEEK_AZIMUTH_DEG * side + headTurnDeg) * Math.PI) / 180;
    const probe = new THREE.Vector3(Math.sin(az), 0, Math.cos(az));
    const u = new THREE.Vector3().crossVectors(probe, new THREE.Vector3(0, 1, 0)).normalize();
    const v = new THREE.Vector3().crossVectors(probe, u);
    const points = side > 0 ? out.right : out.left;
    for (let i = 0; i < position.count; i += 1) {
      local.fromBufferAttribute(position, i);
      if (!inZone(local)) continue;
      n.fromBufferAttribute(normal, i);
      // Keep to the probe's own cheek: a normal can point its way from the far side too.
      if (Math.sign(n.x) !== side || Math.sign(local.x) !== side) continue;
      n.applyMatrix3(normalMatrix).normalize();
      if (n.dot(probe) < cosTol) continue;
      world.copy(local).applyMatrix4(body.matrixWorld);
      if (toEye.subVectors(eye, world).dot(n) <= 0) continue;
      const ndc = world.clone().project(camera);
      if (Math.abs(ndc.x) > 1 || Math.abs(ndc.y) > 1) continue;
      points.push([(ndc.x + 1) / 2 * width, (1 - ndc.y) / 2 * height, n.dot(u), n.dot(v)]);
    }
  }
  return out;
}
