"""The figures: the registry and the pure functions that compute every figure."""
