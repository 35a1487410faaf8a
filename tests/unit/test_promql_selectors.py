"""The PromQL reader the dashboard test relies on finds what a query reads, and only that."""

from __future__ import annotations

from tests.promql import exposed_names, selectors


def test_plain_names_are_found_and_functions_labels_and_keywords_are_not() -> None:
    found = selectors(
        'sum by (kind, state) (rate(sprg_a_total{view="at_risk", by="x"}[5m])) '
        "/ on (kind) group_left sum without (le) (sprg_b_seconds_bucket offset 1h) > bool 0"
        " and up == 0"
    )
    assert found.names == {"sprg_a_total", "sprg_b_seconds_bucket", "up"}
    assert found.patterns == set()


def test_name_regexes_are_found() -> None:
    found = selectors('sum(rate({__name__=~"sprg_.+_x_total", status=~"5.."}[5m]))')
    assert found.patterns == {"sprg_.+_x_total"}
    assert found.names == set()


def test_declared_families_give_the_names_of_their_samples() -> None:
    page = (
        "# HELP sprg_a_x_total Things\n# TYPE sprg_a_x_total counter\n"
        "# HELP sprg_a_s Time\n# TYPE sprg_a_s histogram\n"
        'sprg_a_g{kind="k"} 1.0\n'
    )
    assert {"sprg_a_x_total", "sprg_a_s_bucket", "sprg_a_s_count", "sprg_a_g"} <= exposed_names(
        page
    )
    assert "sprg_a_x" not in exposed_names(page)
