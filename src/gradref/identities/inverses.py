"""Inverses: the derivative of a matrix inverse and of expressions that contain one."""
