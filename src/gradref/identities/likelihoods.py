"""Likelihoods: Gaussian and exponential-family log-likelihoods, KL divergences."""
