"""Slugs from titles: the rules every importer and `new` share."""
from scholarsite.slugs import is_valid_slug, slugify


def test_punctuation_separates_words_and_accents_fold():
    assert slugify("Müller–Ñandú Networks & <Friends>") == "muller-nandu-networks-friends"
    assert slugify("Café—au lait") == "cafe-au-lait"


def test_latex_commands_are_dropped():
    assert slugify(r"PixArt-$\alpha$: Fast Training") == "pixart-fast-training"


def test_cut_at_a_word_boundary_under_80_characters():
    slug = slugify("Adversarial Auto-Augment with Label Preservation: A Representation Learning "
                   "Principle Guided Approach")
    assert slug == "adversarial-auto-augment-with-label-preservation-a-representation-learning"
    assert len(slug) <= 80 and is_valid_slug(slug)


def test_taken_slugs_get_a_number():
    assert slugify("Deep Sets", {"deep-sets"}) == "deep-sets-2"
    assert slugify("Deep Sets", {"deep-sets", "deep-sets-2"}) == "deep-sets-3"


def test_a_title_without_letters_still_gets_a_slug():
    assert slugify("$$") == "paper"
