import torch

from engine.pool import ImagePool


def test_fills_then_mixes_history_and_new_images():
    pool = ImagePool(size=3, seed=0)
    first = [torch.full((1, 1, 2, 2), float(i)) for i in range(3)]
    for t in first:  # while filling, images come straight back
        assert torch.equal(pool.query(t), t)
    assert len(pool.images) == 3
    returned_old = returned_new = 0
    for i in range(3, 200):
        new = torch.full((1, 1, 2, 2), float(i))
        out = pool.query(new)
        returned_new += torch.equal(out, new)
        returned_old += not torch.equal(out, new)
    assert len(pool.images) == 3
    assert 60 < returned_old < 140 and returned_new + returned_old == 197  # about half each


def test_batches_keep_their_shape_and_size_zero_passes_through():
    pool = ImagePool(size=2)
    x = torch.randn(4, 3, 8, 8)
    assert pool.query(x).shape == x.shape
    assert ImagePool(size=0).query(x) is x


def test_state_round_trip_gives_the_same_future():
    a = ImagePool(size=2, seed=5)
    for i in range(4):
        a.query(torch.full((1, 1, 1, 1), float(i)))
    b = ImagePool(size=2, seed=99)
    b.load_state_dict(a.state_dict())
    for i in range(10):
        x = torch.full((1, 1, 1, 1), float(10 + i))
        assert torch.equal(a.query(x), b.query(x))
