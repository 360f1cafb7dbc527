"""chainrule's nn: neural networks built on autograd Values."""

from nn.data import make_moons
from nn.modules import MLP, Layer, Module, Neuron

__all__ = ["MLP", "Layer", "Module", "Neuron", "make_moons"]
