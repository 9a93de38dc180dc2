"""The side-by-side comparison of variants (compare.py): the article's four options, and (j)
the hub firewall with its Storage rule missing, on the command line, as JSON, on the page and
in the docs."""

from __future__ import annotations

import json

from tests_support import DESIGNS, run_cli

from flowdocs.analyse.analysis import analyse
from flowdocs.analyse.compare import compare
from flowdocs.analyse.resolved import resolve_designs
from flowdocs.load.extends import comparison_families
from flowdocs.write.decision_sections import decision_context, variants_context
from flowdocs.write.templating import environment, render

# -- the article's comparison ---------------------------------------------------------------


OPTIONS = [DESIGNS / f"{n}.yaml" for n in (
    "b-sql-hub-firewall", "c-sql-storage-service-endpoint", "d-sql-vault-private-endpoint",
    "h-sql-vault-private-endpoint-hub", "j-sql-missing-storage-rule")]


def test_compare_the_four_options_of_the_article(golden):
    result = run_cli("compare", DESIGNS / "b-sql-hub-firewall.yaml")
    assert result.exit_code == 0, result.stderr
    golden.check("cli/compare-b.txt", result.stdout)
    assert result.stdout == run_cli("compare", *OPTIONS).stdout


def test_compare_json_has_each_option_s_cost_and_findings():
    result = run_cli("compare", DESIGNS / "b-sql-hub-firewall.yaml", "--format", "json")
    document = json.loads(result.stdout)
    assert (document["price_date"], document["basis"]) == ("2024", "list prices, not a quote")
    assert [(v["label"], v["monthly"]["total"], [f["id"] for f in v["findings"]])
            for v in document["variants"]] == [
        ("Hub firewall", 1128.5, []),
        ("Storage service endpoint", 912.5, ["FD005"]),
        ("Vault PE in spoke", 979.8, ["FD012"]),
        ("Vault PE in hub", 1099.8, ["FD012"]),
        # The denied backup data moves nothing, so costs nothing: the finding says why.
        ("Storage rule missing", 912.5, ["FD014"]),
    ]


def test_the_variants_section_of_the_page(golden):
    resolved = resolve_designs(OPTIONS)
    comparison = compare([analyse(r.resolution, findings=r.findings) for r in resolved])
    page = render(environment(), "_variants.md.j2", variants_context(comparison))
    golden.check("pages/_variants-b.md", page)


def test_the_docs_show_the_current_comparison():
    output = run_cli("compare", DESIGNS / "b-sql-hub-firewall.yaml").stdout
    docs = (DESIGNS.parent / "docs/decisions.md").read_text()
    assert f"$ flowdocs compare designs/b-sql-hub-firewall.yaml\n{output}```" in docs, \
        "paste the output of `flowdocs compare designs/b-sql-hub-firewall.yaml` into docs"


def test_decision_context_gives_every_member_of_a_family_the_comparison():
    resolved = resolve_designs([DESIGNS])
    families = comparison_families(resolved)
    assert [r.resolution.design.name for r in families["h-sql-vault-private-endpoint-hub"]] == [
        "b-sql-hub-firewall", "c-sql-storage-service-endpoint", "d-sql-vault-private-endpoint",
        "h-sql-vault-private-endpoint-hub", "j-sql-missing-storage-rule"]
    by_name = {r.resolution.design.name: r for r in resolved}
    d = by_name["d-sql-vault-private-endpoint"]
    context = decision_context(d, families["d-sql-vault-private-endpoint"], "d.yaml")
    assert (context["findings"].summary, context["costs"].total) == ("1 info", "$979.80")
    assert context["variants"].columns == (
        "Hub firewall", "Storage service endpoint", "Vault PE in spoke", "Vault PE in hub",
        "Storage rule missing")
    a = by_name["a-vm-backup"]
    alone = decision_context(a, families["a-vm-backup"], "a.yaml")
    assert alone["variants"] is None
    assert render(environment(), "_variants.md.j2", alone) == ""
