"""Layers: backpropagation through one layer, given the upstream gradient."""
