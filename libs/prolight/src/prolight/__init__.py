"""ProLight's shared library: what makes a lighting setup precise, comparable and reproducible."""

__version__ = "0.1.0"
__all__ = ["__version__"]
