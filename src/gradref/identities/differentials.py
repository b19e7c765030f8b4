"""Differentials of matrix expressions: the rules that every other derivative is built from."""
