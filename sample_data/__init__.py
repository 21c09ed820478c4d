"""Synthetic e-Office movement logs: the generator and the committed samples."""
