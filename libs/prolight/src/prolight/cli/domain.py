"""Commands on lighting setups: presets, analyze, translate, hash."""
