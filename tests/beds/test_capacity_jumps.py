from beds.capacity import figures_jumps

BASE = {"installed": 20, "available": 2, "occupied": 18, "reserved": 0, "closed": 0, "extra": 0}


def test_available_two_to_fourteen_is_a_jump():
    assert figures_jumps(BASE, {**BASE, "available": 14, "occupied": 6}) == [
        "available",
        "occupied",
    ]


def test_small_or_proportionally_small_changes_are_not_jumps():
    big = {**BASE, "installed": 60, "available": 20, "occupied": 40}
    assert figures_jumps(big, {**big, "available": 25, "occupied": 35}) == []
    assert figures_jumps(BASE, {**BASE, "available": 5, "occupied": 15}) == []


def test_a_fall_is_a_jump_too():
    before = {**BASE, "available": 10, "occupied": 10}
    assert figures_jumps(before, {**before, "available": 4, "occupied": 16}) == ["available"]
