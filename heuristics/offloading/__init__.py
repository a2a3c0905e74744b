"""Offloading heuristics: Nimbus ST, Greedy, MT and 2PMT on Numba kernels."""
