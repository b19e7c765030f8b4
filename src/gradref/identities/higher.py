"""Higher-order and nonlinear forms: powers of a matrix, products of forms, quotients."""
