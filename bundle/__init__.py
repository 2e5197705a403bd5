"""Builds the Lambda artifacts: one zip per function plus the shared layer, byte-for-byte reproducible."""
