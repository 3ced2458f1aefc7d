"""Analyses of a chain: one module per question, free functions ``f(chain, *, ...)``."""
