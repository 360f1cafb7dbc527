"""The core: the reference engine. Value, the op table, the backward pass, grad mode and the
error and NaN rules, in plain Python written for reading (see docs/design.md)."""
