"""The pack audit finds what the December 2026 content audit found by hand, so it cannot come back.

Each test builds a few questions against the shipped catalog (its cast, episodes and film are what
the audit knows names and seasons from) and checks one rule.
"""

from __future__ import annotations

from bot.content.audit import (
    LATER_TERMS,
    audit_questions,
    balance,
    catalog_names,
    giveaways,
    normalised_answer,
    option_names,
)
from bot.content.packcheck import check_packs
from bot.domain.models import Difficulty, TriviaQuestion


def question(
    qid: str,
    prompt: str,
    answer: str,
    wrong: tuple[str, ...] = ("Tao", "Isaac", "Elle"),
    *,
    season: int = 1,
    true_false: bool = False,
) -> TriviaQuestion:
    if true_false:
        wrong = ("False",) if answer == "True" else ("True",)
    return TriviaQuestion(qid, prompt, answer, wrong, season, Difficulty.MEDIUM, "seed", true_false)


def test_a_name_inside_a_multi_name_option_spoils_a_later_season(catalog):
    # The content audit's one serious leak: Michael Holden (Season 3) in a Season 2 option.
    leaky = question(
        "q", "Which couple gets together?", "Elle and Tao", ("Isaac and James", "Tori and Michael", "X"), season=2
    )
    [problem] = audit_questions([leaky], catalog)
    assert problem.startswith("q: wrong option 'Tori and Michael' names 'Michael', which first appears in Season 3")


def test_places_and_things_from_later_seasons_are_checked_inside_options(catalog):
    q = question("q", "Where do Nick and Charlie go?", "To the beach", ("To Paris", "To the zoo", "To Lambert"))
    text = "\n".join(audit_questions([q], catalog))
    assert "names 'Paris', which first appears in Season 2" in text
    assert "names 'zoo', which first appears in Season 3" in text
    assert "names 'Lambert', which first appears in Season 2" in text


def test_the_longest_name_wins_and_other_proper_names_are_left_alone(catalog):
    names = catalog_names(catalog)
    # "Jack" alone is Jack Maddox (Season 3); "Jack Barton" plays David (Season 2).
    assert option_names("Jack Barton", names) == [("Jack Barton", 2)]
    # George Michael is a singer, not Michael Holden.
    assert option_names("George Michael", names) == []
    # Oliver Spring (a cast entry without a confirmed actor) is a Season 3 name, whole or by first name.
    assert option_names("Oliver Spring", names) == [("Oliver Spring", 3)]
    assert option_names("Oliver", names) == [("Oliver", 3)]


def test_episode_titles_count_only_as_the_whole_option(catalog):
    ordinary = question(
        "a", "What does Charlie type?", "I love you", ("I miss you", "See you soon", "Goodbye"), season=2
    )
    title = question("b", "Which episode?", "Sorry", ("Perfect", "Love", "Heat"), season=2)
    assert audit_questions([ordinary], catalog) == []
    assert audit_questions([title], catalog) == [
        "b: wrong option 'Love' first appears in Season 3, but the question is tagged Season 2 "
        "(tag it 3, or pick another option)"
    ]


def test_an_answer_much_longer_than_every_wrong_option_gives_itself_away(catalog):
    long = question("q", "What does Mr Farouk say?", "His late twenties", ("University", "Last year", "Forties"))
    assert (
        "q: the answer 'His late twenties' is much longer than every wrong option"
        in audit_questions([long], catalog)[0]
    )
    fair = question("q", "What does Mr Farouk say?", "His late twenties", ("His early thirties", "Last year", "At uni"))
    assert audit_questions([fair], catalog) == []


def test_near_duplicates_compare_answers_without_case_articles_or_possessives(catalog):
    assert normalised_answer("Olivia Colman's") == normalised_answer("olivia colman") == "olivia colman"
    assert normalised_answer("The Eiffel Tower") == "eiffel tower"
    first = question("a", "Who plays Nick's mum?", "Olivia Colman", ("Georgina Rich", "Chetna Pandya", "Momo Yeung"))
    second = question(
        "b",
        "Whose casting as Nick's mum was kept secret?",
        "Olivia Colman's",
        ("Georgina Rich's", "Chetna's", "Momo's"),
    )
    assert audit_questions([first, second], catalog) == [
        'b: near-duplicate of a (same answer "Olivia Colman\'s", most words in common)'
    ]


def test_a_prompt_that_names_another_questions_answer_is_a_giveaway(catalog):
    name = question("name", "What is the name of Charlie's therapist?", "Geoff", ("Gerald", "Graham", "Gary"), season=3)
    actor = question("actor", "Who plays Charlie's therapist Geoff?", "Eddie Marsan", ("A", "B", "C"), season=3)
    assert giveaways([name, actor], catalog) == [
        "actor: prompt names 'Geoff', the answer to name (rephrase one of the two so that no prompt names the "
        "other's answer)"
    ]
    actor_fixed = question("actor", "Who plays Charlie's therapist?", "Eddie Marsan", ("A", "B", "C"), season=3)
    assert giveaways([name, actor_fixed], catalog) == []


def test_giveaways_need_the_same_subject(catalog):
    plays = question("plays", "Who plays Nick?", "Kit Connor", ("Joe Locke", "Sebastian Croft", "William Gao"))
    other = question("other", "Which role did Kit Connor first audition for?", "Charlie", ("Harry", "Ben", "Tao"))
    mum = question("mum", "Who plays Nick's mum?", "Olivia Colman", ("Georgina Rich", "Chetna Pandya", "Momo Yeung"))
    emmy = question("emmy", "Olivia Colman won an Emmy for her guest role as Nick's mum.", "True", true_false=True)
    # Naming an actor in another prompt does not say whom they play; naming them with the role does.
    assert giveaways([plays, other, mum, emmy], catalog) == [
        "emmy: prompt names 'Olivia Colman', the answer to mum (rephrase one of the two so that no prompt names "
        "the other's answer)"
    ]


def test_characters_answering_what_happened_questions_and_episode_titles_are_exempt(catalog):
    who = question("who", "Who catches Nick and Charlie kissing during rugby practice?", "Coach Singh", ("A", "B", "C"))
    other = question(
        "other", "Coach Singh tells Nick she has been there herself with whom?", "Her wife", ("A", "B", "C")
    )
    title = question(
        "title", "What is the title of the Season 3 finale?", "Apart", ("Together", "Body", "Love"), season=3
    )
    apart = question("apart", 'In "Apart", Nick goes on a road trip to look at what?', "Universities", ("A", "B", "C"))
    assert giveaways([who, other, title, apart], catalog) == []


def test_check_pack_reports_giveaways_across_files(tmp_path, catalog):
    one = tmp_path / "one.yaml"
    two = tmp_path / "two.yaml"
    one.write_text(
        "id: one\nname: One\ndescription: d\nquestions:\n"
        '  - {id: film-name, prompt: "What is the finale film called?", answer: Heartstopper Forever,'
        " wrong: [Heartstopper Always, Heartstopper Again, Heartstopper Ever After], season: 4, difficulty: easy,"
        " source: seed}\n",
        encoding="utf-8",
    )
    two.write_text(
        "id: two\nname: Two\ndescription: d\nquestions:\n"
        '  - {id: film-days, prompt: "How many days did the Heartstopper Forever shoot last?", answer: "35",'
        ' wrong: ["20", "50", "90"], season: 4, difficulty: hard, source: seed}\n',
        encoding="utf-8",
    )
    problems = check_packs([one, two], catalog).problems
    assert problems == [
        f"{two}: film-days: prompt names 'Heartstopper Forever', the answer to film-name (rephrase one of the two "
        "so that no prompt names the other's answer)"
    ]


def test_balance_reports_how_often_true_is_the_answer():
    items = [
        question("a", "Season 1 has eight episodes.", "True", true_false=True),
        question("b", "Season 2 has ten episodes.", "False", true_false=True),
        question("c", "Who?", "Nick"),
    ]
    mix = balance(items)
    assert (mix.true_false, mix.true_answers, mix.true_share) == (2, 1, 0.5)
    assert "  true/false : 2 (67%), 1 answered True (50%)" in mix.lines()


def test_later_terms_are_lower_case_names_with_a_season():
    assert all(term == term.casefold() and 2 <= season <= 4 for term, season in LATER_TERMS.items())
