"""DataLoader: full batch, mini-batch and stochastic feeding, one permutation per epoch."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import DataLoader


@given(n=st.integers(1, 60), batch_size=st.one_of(st.none(), st.integers(1, 70)),
       drop_last=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_each_epoch_is_a_permutation_in_batches_that_add_up(n, batch_size, drop_last, seed):
    size = n if batch_size is None else batch_size
    if drop_last and size > n:
        with pytest.raises(ValueError, match="no batch"):
            DataLoader(list(range(n)), list(range(n)), batch_size, drop_last=drop_last)
        return
    loader = DataLoader(list(range(n)), [10 * i for i in range(n)], batch_size,
                        drop_last=drop_last, rng=random.Random(seed))
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == len(loader)
        seen = [x for xb, _ in batches for x in xb]
        assert all(len(xb) == size for xb, _ in batches[:-1])
        if drop_last:
            assert len(seen) == n - n % size and len(set(seen)) == len(seen)
        else:
            assert sorted(seen) == list(range(n))  # every sample exactly once
        assert all(y == 10 * x for xb, yb in batches for x, y in zip(xb, yb))


def test_full_batch_mini_batch_and_stochastic():
    X, y = list(range(10)), list(range(10))
    assert [len(xb) for xb, _ in DataLoader(X, y)] == [10]
    assert [len(xb) for xb, _ in DataLoader(X, y, 4)] == [4, 4, 2]
    assert [len(xb) for xb, _ in DataLoader(X, y, 4, drop_last=True)] == [4, 4]
    assert [len(xb) for xb, _ in DataLoader(X, y, 1)] == [1] * 10


def test_reshuffled_every_epoch_and_reproducible():
    X = list(range(20))
    loader = DataLoader(X, X, 5, rng=random.Random(1))
    first, second = [x for xb, _ in loader for x in xb], [x for xb, _ in loader for x in xb]
    assert first != second
    again = DataLoader(X, X, 5, rng=random.Random(1))
    assert [x for xb, _ in again for x in xb] == first
    assert [x for xb, _ in DataLoader(X, X, 5, shuffle=False) for x in xb] == X


def test_bad_arguments():
    with pytest.raises(ValueError, match="3 inputs but 2 targets"):
        DataLoader([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="no samples"):
        DataLoader([], [])
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            DataLoader([1], [1], bad)


def test_one_batch_of_every_sample_is_not_shuffled():
    """Its order would change nothing but the rounding of sums: the samples come in order,
    and the generator is not drawn from."""
    rng = random.Random(4)
    loader = DataLoader(list(range(5)), list(range(5)), rng=rng)
    state = rng.getstate()
    assert [xb for xb, _ in loader] == [[0, 1, 2, 3, 4]] and rng.getstate() == state
    assert list(loader.indices()) == [range(5)]
    shuffled = DataLoader(list(range(5)), list(range(5)), batch_size=4, rng=random.Random(4))
    assert sorted(x for xb, _ in shuffled for x in xb) == [0, 1, 2, 3, 4]
    assert [x for xb, _ in shuffled for x in xb] != [0, 1, 2, 3, 4]
