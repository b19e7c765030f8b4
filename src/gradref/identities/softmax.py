"""Softmax and log-sum-exp: gradients, Jacobians and Hessians."""
