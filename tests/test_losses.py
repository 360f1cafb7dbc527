"""Losses: hand-computed values, gradients checked numerically, stability for huge logits."""

import math

import pytest

from autograd import Value, gradcheck, ops
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_loss,
    l2_penalty,
    logsumexp,
    mse_loss,
)


def values(*xs):
    return [Value(x) for x in xs]


def test_mse_by_hand():
    p = values(1.0, 2.0, 4.0)
    t = [1.5, 2.0, 1.0]
    assert mse_loss(p, t).data == pytest.approx((0.25 + 0 + 9) / 3, rel=1e-15)
    assert mse_loss(p, t, reduction="sum").data == pytest.approx(9.25, rel=1e-15)
    assert mse_loss(Value(3.0), 1.0).data == 4.0
    assert gradcheck(lambda a, b, c: mse_loss([a, b, c], t), [1.0, 2.0, 4.0])


def test_l1_by_hand():
    p = values(1.0, -2.0)
    assert l1_loss(p, [0.5, 1.0]).data == pytest.approx((0.5 + 3.0) / 2)
    assert l1_loss(p, [0.5, 1.0], reduction="sum").data == pytest.approx(3.5)
    assert gradcheck(lambda a, b: l1_loss([a, b], [0.5, 1.0]), [1.0, -2.0])


def test_hinge_is_micrograds_max_margin():
    scores = values(0.5, -2.0, 3.0)
    labels = [1, -1, -1]
    # relu(1 - y s): 0.5, 0 (well classified), 4
    assert hinge_loss(scores, labels).data == pytest.approx(4.5 / 3)
    assert hinge_loss(scores, labels, reduction="sum").data == pytest.approx(4.5)
    assert hinge_loss(scores, labels, margin=2.0, reduction="sum").data == pytest.approx(6.5)
    with pytest.raises(ValueError, match="-1 or \\+1, got 0"):
        hinge_loss(scores, [1, 0, 1])


def test_binary_cross_entropy_by_hand_and_stable():
    z = values(0.3, -1.2)
    t = [1.0, 0.0]
    s = [1 / (1 + math.exp(-0.3)), 1 / (1 + math.exp(1.2))]
    expected = -(math.log(s[0]) + math.log(1 - s[1])) / 2
    assert binary_cross_entropy_with_logits(z, t).data == pytest.approx(expected, rel=1e-14)
    assert gradcheck(lambda a, b: binary_cross_entropy_with_logits([a, b], [0.25, 1.0]),
                     [0.3, -1.2])
    # logits of +-1000: exact answers, no overflow, finite gradients
    big = values(1000.0, -1000.0, 1000.0)
    loss = binary_cross_entropy_with_logits(big, [1.0, 0.0, 0.0], reduction="sum")
    assert loss.data == pytest.approx(1000.0)
    loss.backward()
    assert [v.grad for v in big] == [0.0, 0.0, 1.0]  # d/dz = sigmoid(z) - t
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        binary_cross_entropy_with_logits(z, [1.0, 2.0])


def test_cross_entropy_by_hand():
    z = values(1.0, 2.0, 0.5)
    lse = math.log(math.exp(1.0) + math.exp(2.0) + math.exp(0.5))
    assert cross_entropy(z, 1).data == pytest.approx(lse - 2.0, rel=1e-15)
    loss = cross_entropy(z, 0)
    loss.backward()
    softmax = [math.exp(v - lse) for v in (1.0, 2.0, 0.5)]
    assert [v.grad for v in z] == pytest.approx([softmax[0] - 1, softmax[1], softmax[2]])
    batch = [values(1.0, 2.0), values(0.0, -1.0)]
    expected = ((math.log(math.exp(1) + math.exp(2)) - 1.0)
                + (math.log(1 + math.exp(-1)) - 0.0)) / 2
    assert cross_entropy(batch, [0, 0]).data == pytest.approx(expected, rel=1e-14)
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], 2), [1.0, 2.0, 0.5])


def test_cross_entropy_with_class_probabilities():
    z = values(1.0, 2.0, 0.5)
    by_index = cross_entropy(z, 1)
    by_index.backward()
    index_grads = [v.grad for v in z]
    for v in z:
        v.grad = 0.0
    one_hot = cross_entropy(z, [0.0, 1.0, 0.0])
    one_hot.backward()
    assert one_hot.data == by_index.data and [v.grad for v in z] == index_grads  # bit for bit
    p = [0.2, 0.5, 0.3]
    lse = math.log(sum(math.exp(v) for v in (1.0, 2.0, 0.5)))
    expected = -sum(pi * (zi - lse) for pi, zi in zip(p, (1.0, 2.0, 0.5)))
    assert cross_entropy(z, p).data == pytest.approx(expected, rel=1e-15)
    batch = [values(1.0, 2.0), values(0.0, -1.0)]
    assert cross_entropy(batch, [[1.0, 0.0], 1]).data == cross_entropy(batch, [0, 1]).data
    assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], p), [1.0, 2.0, 0.5])


def test_cross_entropy_is_stable_for_huge_logits():
    z = values(1000.0, -1000.0, 999.0)
    loss = cross_entropy(z, 2)
    assert loss.data == pytest.approx(1.0 + math.log1p(math.exp(-1.0)), rel=1e-12)
    loss.backward()
    assert all(math.isfinite(v.grad) for v in z)
    assert logsumexp(values(1000.0, 1000.0)).data == pytest.approx(1000.0 + math.log(2.0))


def test_cross_entropy_rejects_bad_targets():
    with pytest.raises(ValueError, match=r"class index in \[0, 2\) or 2 class probabilities, "
                       "got 2"):
        cross_entropy(values(1.0, 2.0), 2)
    with pytest.raises(ValueError, match="2 samples but 1 targets"):
        cross_entropy([values(1.0), values(2.0)], [0])


def test_l2_penalty_is_one_node():
    ps = values(1.0, -2.0, 3.0)
    penalty = l2_penalty(ps, alpha=0.5)
    assert penalty.data == pytest.approx(7.0)
    assert penalty.op is ops.MUL_SCALAR and penalty.parents[0].op is ops.DOT
    penalty.backward()
    assert [p.grad for p in ps] == [1.0, -2.0, 3.0]  # d/dp alpha p^2 = 2 alpha p


def test_reduction_and_length_errors():
    with pytest.raises(ValueError, match="reduction must be"):
        mse_loss(values(1.0), [1.0], reduction="avg")
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        l1_loss(values(1.0, 2.0), [1.0])
    with pytest.raises(ValueError, match="no predictions"):
        mse_loss([], [])


@pytest.mark.parametrize("logits", [[math.nan, 1.0], [1.0, math.nan], [math.nan, 1000.0]])
def test_logsumexp_of_nan_is_nan_wherever_it_stands(logits):
    assert math.isnan(logsumexp(logits).data)


def test_logsumexp_of_infinities_follows_ieee():
    assert logsumexp([math.inf, 1000.0]).data == math.inf
    assert logsumexp([-math.inf, 2.0]).data == 2.0
    zs = values(-math.inf, -math.inf)
    out = logsumexp(zs)
    out.backward()
    assert out.data == -math.inf and [z.grad for z in zs] == [0.5, 0.5]


@pytest.mark.parametrize("loss", [mse_loss, l1_loss, hinge_loss, binary_cross_entropy_with_logits])
def test_every_loss_of_a_nan_prediction_is_nan(loss):
    out = loss([Value(math.nan), Value(0.5)], [1.0, 1.0])
    assert math.isnan(out.data)
    out.backward()
    assert math.isnan(cross_entropy([math.nan, 1.0], 0).data)
