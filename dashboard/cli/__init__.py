"""Sub-commands of ``python -m dashboard`` that are more than a few lines."""
