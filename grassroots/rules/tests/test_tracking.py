from itertools import product

from grassroots.rules import tracking
from grassroots.rules.tracking import ALPHABET, DAMM, LENGTH, LUHN, QUASIGROUP

N = len(ALPHABET)


def legacy_code(body: str) -> str:
    """A code as issued before December 2026: Luhn mod 32 check character."""
    return body + tracking._luhn_char(body)


def test_codes_are_short_unambiguous_and_check_out():
    codes = {tracking.generate() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 10
        assert not set(code) & set("01OI")
        assert tracking.is_well_formed(code)
        # New codes use the new check and never pass the old one, so a stored code tells its scheme.
        assert tracking.scheme(code) == DAMM
        assert tracking._luhn_char(code[:-1]) != code[-1]


def test_the_quasigroup_is_a_latin_square_and_totally_anti_symmetric():
    """Exhaustive over the table: every row and column a permutation (a wrong character changes the state
    and the characters after it cannot bring it back), and (c∘x)∘y ≠ (c∘y)∘x for every state c and every
    x ≠ y (a swap of neighbours changes the state)."""
    everything = list(range(N))
    assert all(sorted(row) == everything for row in QUASIGROUP)
    assert all(sorted(QUASIGROUP[x][y] for x in range(N)) == everything for y in range(N))
    collisions = [(c, x, y) for c, x, y in product(range(N), repeat=3)
                  if x != y and QUASIGROUP[QUASIGROUP[c][x]][y] == QUASIGROUP[QUASIGROUP[c][y]][x]]
    assert collisions == []


def _prefix(position: int, state: int) -> str:
    """Characters that bring the check to ``state`` just before ``position`` (position ≥ 1)."""
    head = ALPHABET[0] * (position - 1)
    row = QUASIGROUP[tracking._damm_state(head)]
    return head + ALPHABET[row.index(state)]


def _codes_around(position: int):
    """Valid new-scheme codes of the real length with every state before ``position`` and every character
    at ``position`` (the check character itself when it is the last position)."""
    states = [0] if position == 0 else range(N)
    for state in states:
        prefix = "" if position == 0 else _prefix(position, state)
        if position == LENGTH - 1:
            yield prefix + tracking._damm_char(prefix)
            continue
        for char in ALPHABET:
            body = (prefix + char).ljust(LENGTH - 1, ALPHABET[0])
            yield body + tracking._damm_char(body)


def test_every_wrong_character_is_caught_exhaustively():
    """Every position of a 10-character code, every state the check can be in before it, every character
    there and every other character typed instead: none passes the new check."""
    checked = 0
    for position in range(LENGTH):
        for code in _codes_around(position):
            assert tracking._damm_state(code) == 0
            for wrong in ALPHABET:
                if wrong != code[position]:
                    typed = code[:position] + wrong + code[position + 1:]
                    assert tracking._damm_state(typed) != 0, (code, typed)
                    checked += 1
    pairs = N * (N - 1)
    assert checked == pairs * (1 + 8 * N + 1)  # position 0 (state 0), positions 1–8 (every state), the check


def test_every_swap_of_neighbours_is_caught_exhaustively():
    """Every pair of neighbours (the last body character with the check character too), every state
    before them and every pair of different characters: the swapped code fails the new check."""
    checked = 0
    for position in range(LENGTH - 1):
        states = [0] if position == 0 else range(N)
        for state in states:
            prefix = "" if position == 0 else _prefix(position, state)
            if position == LENGTH - 2:  # the last body character and the check character
                codes = [prefix + x + tracking._damm_char(prefix + x) for x in ALPHABET]
            else:
                codes = [(prefix + x + y).ljust(LENGTH - 1, ALPHABET[0]) for x, y in product(ALPHABET, repeat=2)
                         if x != y]
                codes = [body + tracking._damm_char(body) for body in codes]
            for code in codes:
                if code[position] == code[position + 1]:
                    continue
                swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
                assert tracking._damm_state(swapped) != 0, (code, swapped)
                checked += 1
    pairs = N * (N - 1)
    # position 0 (state 0), positions 1–7 (every state), and before the check character: for each state
    # exactly one body character equals the check character it gets, so 31 of 32 are swaps.
    assert checked == pairs + 7 * N * pairs + N * (N - 1)


def test_the_swap_the_old_check_missed_is_caught_now():
    body = "ABCD2ZEFG"
    old = legacy_code(body)
    swapped_old = old[:4] + "Z2" + old[6:]
    assert tracking._luhn_char(swapped_old[:-1]) == swapped_old[-1]  # Luhn mod 32 misses 2↔Z
    new = body + tracking._damm_char(body)
    swapped_new = new[:4] + "Z2" + new[6:]
    assert tracking._damm_state(new) == 0 and tracking._damm_state(swapped_new) != 0


def test_codes_issued_with_the_old_check_are_still_accepted():
    # Bodies whose Luhn character is not also their Damm character: plainly old codes.
    olds = [legacy_code(body) for body in ("23456789A", "WXYZ23456", "ZZZZZZZZ2", "KQ7MN3PRT")]
    olds = [code for code in olds if tracking._damm_state(code) != 0]
    assert len(olds) >= 3
    for code in olds:
        assert tracking.scheme(code) == LUHN
        assert tracking.is_well_formed(code)
        assert tracking.is_well_formed(tracking.normalize(tracking.display(code).lower()))


def test_what_residents_type_is_normalised():
    code = tracking.generate()
    typed = " " + tracking.display(code).lower() + " "
    assert tracking.normalize(typed) == code
    assert tracking.display(code)[5] == "-"
    assert not tracking.is_well_formed(tracking.normalize("O0I1-ABCDE"))
    assert not tracking.is_well_formed("")
    assert tracking.scheme("ABC") is None
    assert len(tracking.normalize("A" * 100_000)) == 20


def test_missing_and_elsewhere_give_the_same_answer():
    board = "150000000000/150426100223/"
    assert tracking.public_answer(board + "150426100223001/", board) is True
    assert tracking.public_answer(None, board) is False
    assert tracking.public_answer("150000000000/150426104204/", board) is False


def test_a_code_made_from_a_drawn_body_is_well_formed_and_damm_checked():
    body = "K7QW2M9XZ"
    code = tracking.code_for(body)
    assert code.startswith(body) and len(code) == LENGTH
    assert tracking.is_well_formed(code) and tracking.scheme(code) == DAMM
