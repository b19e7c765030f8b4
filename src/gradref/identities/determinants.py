"""Determinants and log-determinants, differentiated with respect to a matrix."""
