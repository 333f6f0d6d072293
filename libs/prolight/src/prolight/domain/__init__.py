"""Layer 1, the domain: lighting, light physics, rendering and language, pure computation.

No I/O and no infrastructure: numpy, scipy, pillow, pydantic and jsonpatch only (import-linter
enforces it, see .importlinter). Everything above may import this; it imports nothing above.
"""
