"""Finding possible duplicates: by phone, by name and ZIP code, by similar names in one county."""

from duplicates.models import DismissedPair, find_pairs
from tests.factories import make_member


def pair_ids(pairs) -> set[tuple[int, int]]:
    return {(p.low.pk, p.high.pk) for p in pairs}


def test_same_phone_is_suggested_with_its_reason(chapter_a):
    a = make_member("one@example.org", "29201", first_name="Alex", last_name="Stone", phone="+18035550111")
    b = make_member("two@example.org", "29401", first_name="Jordan", last_name="Brook", phone="+18035550111")
    pairs, total = find_pairs([chapter_a.pk])
    assert total == 1
    assert pair_ids(pairs) == {(a.pk, b.pk)}
    assert pairs[0].reasons == ["Same phone number (+18035550111)"]


def test_same_name_and_zip_is_suggested(chapter_a):
    a = make_member("one@example.org", "29201", first_name="Alex", last_name="Stone")
    b = make_member("two@example.org", "29201", first_name="alex", last_name="stone ")
    pairs, _ = find_pairs([chapter_a.pk])
    assert pair_ids(pairs) == {(a.pk, b.pk)}
    assert "Same name and ZIP code (29201)" in pairs[0].reasons


def test_similar_names_in_one_county_are_suggested_but_not_across_counties(chapter_a):
    a = make_member("one@example.org", "29201", first_name="Katherine", last_name="Whitfield")  # Richland
    b = make_member("two@example.org", "29201", first_name="Kathrine", last_name="Whitfield")  # Richland
    make_member("three@example.org", "29401", first_name="Katherine", last_name="Whitfield")  # Charleston
    make_member("four@example.org", "29201", first_name="Robert", last_name="Lang")  # not alike
    pairs, total = find_pairs([chapter_a.pk])
    assert total == 1
    assert pair_ids(pairs) == {(a.pk, b.pk)}
    assert pairs[0].reasons[0].startswith("Similar names (")
    assert "Richland" in pairs[0].reasons[0]


def test_pairs_are_ranked_by_confidence(chapter_a):
    phone_and_name = [make_member(f"p{i}@example.org", "29201", first_name="Sam", last_name="Reyes",
                                  phone="+18035550122") for i in range(2)]  # fmt: skip
    similar = [make_member("s1@example.org", "29201", first_name="Jonathan", last_name="Pryce"),
               make_member("s2@example.org", "29203", first_name="Jonathon", last_name="Pryce")]  # fmt: skip
    pairs, total = find_pairs([chapter_a.pk])
    assert total == 2
    assert [(p.low.pk, p.high.pk) for p in pairs] == [
        (phone_and_name[0].pk, phone_and_name[1].pk),
        (similar[0].pk, similar[1].pk),
    ]
    assert pairs[0].confidence > pairs[1].confidence
    assert len(pairs[0].reasons) == 3  # phone, name and ZIP, and the (identical) names


def test_a_dismissed_pair_is_not_suggested_again(twins, coordinator_a):
    assert find_pairs([twins[0].chapter_id])[1] == 1
    DismissedPair.dismiss(twins[1], twins[0], coordinator_a)
    assert find_pairs([twins[0].chapter_id]) == ([], 0)


def test_only_the_given_chapters_people_are_paired(chapter_a, chapter_b):
    make_member("a@example.org", "29201", first_name="Lee", last_name="Park", phone="+13075550199")
    make_member("b@example.org", "82001", first_name="Lee", last_name="Park", phone="+13075550199")
    assert find_pairs([chapter_a.pk]) == ([], 0)
    assert find_pairs([chapter_b.pk]) == ([], 0)
