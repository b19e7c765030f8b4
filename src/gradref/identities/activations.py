"""Activations and elementwise maps: sigmoid, tanh, softplus, ReLU and their relatives."""
