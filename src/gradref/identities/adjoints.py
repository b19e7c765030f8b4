"""Reverse-mode rules for matrix operations: the adjoints of products, inverses, solves and factorisations."""
