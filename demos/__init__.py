"""Runnable programs a learner starts with: python -m demos.<name>."""
