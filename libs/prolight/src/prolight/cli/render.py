"""Commands that draw: render, diagram, gallery."""
