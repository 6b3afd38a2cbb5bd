from grassroots.rules import tracking


def test_codes_are_short_unambiguous_and_check_out():
    codes = {tracking.generate() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 10
        assert not set(code) & set("01OI")
        assert tracking.is_well_formed(code)


def test_one_wrong_or_swapped_character_is_caught():
    code = tracking.generate()
    for i in range(10):
        for replacement in tracking.ALPHABET:
            if replacement != code[i]:
                assert not tracking.is_well_formed(code[:i] + replacement + code[i + 1:])
    for i in range(9):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            assert not tracking.is_well_formed(swapped)


def test_what_residents_type_is_normalised():
    code = tracking.generate()
    typed = " " + tracking.display(code).lower() + " "
    assert tracking.normalize(typed) == code
    assert tracking.display(code)[5] == "-"
    assert not tracking.is_well_formed(tracking.normalize("O0I1-ABCDE"))
    assert not tracking.is_well_formed("")
    assert len(tracking.normalize("A" * 100_000)) == 20


def test_missing_and_elsewhere_give_the_same_answer():
    board = "150000000000/150426100223/"
    assert tracking.public_answer(board + "150426100223001/", board) is True
    assert tracking.public_answer(None, board) is False
    assert tracking.public_answer("150000000000/150426104204/", board) is False
