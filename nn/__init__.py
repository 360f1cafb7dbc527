"""chainrule's nn: modules, losses, optimizers and data feeding built on autograd Values."""

from autograd import owner  # noqa: F401, I001 (first: importing it checks the package)

from nn.data import DataLoader
from nn.datasets import (
                         make_blobs,
                         make_circles,
                         make_moons,
                         make_regression_curve,
                         make_sine_waves,
                         make_spirals,
                         make_xor,
)
from nn.linear import Embedding, Linear
from nn.modules import MLP, Layer, Module, Neuron, Sequential
from nn.pytorch import from_torch, to_torch
from nn.rnn import RNN

__all__ = ["MLP", "RNN", "DataLoader", "Embedding", "Layer", "Linear", "Module", "Neuron",
           "Sequential", "from_torch", "make_blobs", "make_circles", "make_moons",
           "make_regression_curve", "make_sine_waves", "make_spirals", "make_xor", "to_torch"]
