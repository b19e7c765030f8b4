"""Gaussian densities and mixtures, differentiated with respect to the point and the parameters."""
