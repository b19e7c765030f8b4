"""Eigenvalues: sums and products of eigenvalues, and the perturbation of a symmetric eigenpair."""
