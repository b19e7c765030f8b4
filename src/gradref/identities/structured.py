"""Structured matrices: derivatives with respect to a symmetric, diagonal or Toeplitz matrix."""
