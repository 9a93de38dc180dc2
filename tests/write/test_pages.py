"""The design pages' content: golden Markdown for the article's designs, what each flow's
narrative says, each finding stated once, the index's comparisons, escaping of user text,
and the templates' rules."""

from __future__ import annotations

import re

import pytest
import yaml
from tests_support import DESIGNS, ROOT

from flowdocs.analyse.resolved import resolve_designs
from flowdocs.load.extends import comparison_families
from flowdocs.load.loader import load_design_bytes
from flowdocs.load.prices import default_prices
from flowdocs.write.escaping import Md, code, inline_markdown, md, text
from flowdocs.write.pages import headline_facts, index_context, page_context
from flowdocs.write.schemadoc import format_context
from flowdocs.write.site import SiteOptions, page_link, prepare
from flowdocs.write.templating import TemplateProblem, environment, render

# The article's scenes: (a) VM backup, and the four options of a SQL Server backup, (b) and
# the variants that extend it.
ARTICLE = ["a-vm-backup", "b-sql-hub-firewall", "c-sql-storage-service-endpoint",
           "d-sql-vault-private-endpoint", "h-sql-vault-private-endpoint-hub"]
# The designs these tests pin; others may be added to designs/ without breaking them.
EXAMPLES = [*ARTICLE, "e-hana-forced-tunnelling", "f-third-party-agent-private-storage",
            "g-misrouted-spokes"]


@pytest.fixture(scope="module")
def article_site():
    options = SiteOptions(designs=tuple(DESIGNS / f"{n}.yaml" for n in ARTICLE), base_dir=ROOT)
    return prepare(options)


@pytest.fixture(scope="module")
def example_site():
    return prepare(SiteOptions(designs=(DESIGNS,), base_dir=ROOT))


@pytest.fixture(scope="module")
def resolved():
    return {r.resolution.design.name: r for r in resolve_designs([DESIGNS])}


def context_of(resolved, design: str) -> dict:
    families = comparison_families(list(resolved.values()))
    return page_context(resolved[design], source=f"designs/{design}.yaml", digest="0",
                        diagram=None, prices=default_prices(), family=families[design],
                        page_of=page_link)


def narrative(resolved, design: str, flow_id: str):
    return next(n for n in context_of(resolved, design)["narratives"] if n.flow.id == flow_id)


def page_of(site, name: str) -> str:
    return next(p.markdown for p in site.pages if p.uri == f"{name}.md")


@pytest.mark.parametrize("name", ARTICLE)
def test_golden_page_of_each_article_design(article_site, golden, name):
    page = next(p for p in article_site.pages if p.uri == f"{name}.md")
    golden.check(f"pages/{name}.md", page.markdown)


def test_golden_index_of_the_article_designs(article_site, golden):
    golden.check("pages/index.md", article_site.pages[0].markdown)


def test_pages_carry_no_absolute_path_or_timestamp(article_site):
    for page in article_site.pages:
        assert str(ROOT) not in page.markdown
        assert not re.search(r"\b20\d\d-\d\d-\d\d\b", page.markdown)


def test_hub_firewall_data_flow_names_its_route_and_the_firewall(resolved):
    story = narrative(resolved, "b-sql-hub-firewall", "sqlvm01/Storage")
    assert story.story == (
        "Flow 2 (data) from sqlvm01 to Azure Storage leaves `vnet-spoke-sql/snet-sql` by the "
        "User route `rt-spoke-sql/default-via-firewall` (`0.0.0.0/0` → VirtualAppliance "
        "`10.0.1.4`), crosses the peering `vnet-spoke-sql~vnet-hub`, is inspected by afw-hub, "
        "which sends it on by the system route `0.0.0.0/0` → Internet, and reaches the public "
        "endpoint of Azure Storage over the Microsoft backbone.")
    assert story.decided_by == ("route table `rt-spoke-sql`, route `default-via-firewall`, "
                                "prefix `0.0.0.0/0`, next hop VirtualAppliance `10.0.1.4`")
    assert story.firewall.startswith("Crosses afw-hub: the User route")
    assert any("`Microsoft.Storage` service endpoint" in c for c in story.changes)
    assert any("private endpoint for rsv-prod" in c for c in story.changes)


def test_service_endpoint_bypass_leaves_the_exfiltration_path_to_its_finding(resolved):
    story = narrative(resolved, "c-sql-storage-service-endpoint", "sqlvm01/Storage")
    assert story.firewall == (
        "Bypasses the firewall: the service endpoint route beats the User route "
        "`rt-spoke-sql/default-via-firewall` (`0.0.0.0/0` → VirtualAppliance `10.0.1.4`), "
        "which carries the other flows of `vnet-spoke-sql/snet-sql` to afw-hub.")
    assert story.caveats == ()  # the exfiltration path is finding FD005, stated once
    (box,) = context_of(resolved, "c-sql-storage-service-endpoint")["findings"].boxes
    assert (box.id, box.kind, box.subject) == ("FD005", "warning", "`vnet-spoke-sql/snet-sql`")
    assert box.message.endswith("a policy would block Azure Backup here (FD003): a vault "
                                "private endpoint closes it")


def test_private_endpoint_keeps_entra_id_public(resolved):
    entra = narrative(resolved, "d-sql-vault-private-endpoint", "sqlvm01/AzureActiveDirectory")
    assert entra.caveats == ()  # finding FD012 says it
    (box,) = context_of(resolved, "d-sql-vault-private-endpoint")["findings"].boxes
    assert (box.id, box.kind, box.title) == (
        "FD012", "info", "Microsoft Entra ID stays public beside a private endpoint")
    backup = narrative(resolved, "d-sql-vault-private-endpoint", "sqlvm01/AzureBackup")
    assert backup.firewall == ("Bypasses the firewall: a 0.0.0.0/0 User route never takes "
                               "over a private endpoint's /32 route.")


def test_platform_flow_needs_no_route_or_rule(resolved):
    story = narrative(resolved, "a-vm-backup", "appvm01/Storage")
    assert story.decided_by == "no route: the platform carries this traffic"
    assert story.firewall.startswith("Never crosses a firewall")


def test_forced_tunnelling_says_flowdocs_cannot_see_beyond_the_gateway(resolved):
    story = narrative(resolved, "e-hana-forced-tunnelling", "hana01/Storage")
    assert story.firewall == (
        "Crosses no Azure firewall that flowdocs can see: any inspection happens on-premises, "
        "beyond ergw-hub, where a firewall needs the destinations this page lists.")
    assert story.caveats == ()


def test_dropped_flow_says_how_to_fix_it(resolved):
    story = narrative(resolved, "g-misrouted-spokes", "sqlvm-orphan/AzureBackup")
    assert story.changes == (
        "Peering vnet-spoke-orphan with vnet-hub, which holds `10.0.1.4` (afw-hub), or "
        "pointing `rt-spoke-orphan/default-via-firewall` at an appliance in a VNet peered "
        "with vnet-spoke-orphan.",)


def test_headline_facts(resolved):
    facts = {name: headline_facts(r.resolution, r.findings) for name, r in resolved.items()
             if name in EXAMPLES}
    summary = {name: (f.flows, f.through_firewall, f.bypassing, f.dropped, f.errors,
                      f.warnings) for name, f in facts.items()}
    assert summary == {
        "a-vm-backup": (2, 0, 2, 0, 0, 0),
        "b-sql-hub-firewall": (3, 3, 0, 0, 0, 0),
        "c-sql-storage-service-endpoint": (3, 2, 1, 0, 0, 1),
        "d-sql-vault-private-endpoint": (3, 1, 2, 0, 0, 0),
        "h-sql-vault-private-endpoint-hub": (3, 1, 2, 0, 0, 0),
        "e-hana-forced-tunnelling": (4, 0, 0, 0, 0, 0),
        "f-third-party-agent-private-storage": (2, 2, 0, 0, 0, 0),
        "g-misrouted-spokes": (7, 0, 0, 7, 2, 0),
    }
    assert facts["e-hana-forced-tunnelling"].on_premises == 4


def test_index_compares_each_variant_family_with_compare_s_table(resolved):
    designs = [r for n, r in resolved.items() if n in EXAMPLES]
    families = comparison_families(designs)
    context = index_context(designs, families, default_prices(), page_link)
    assert [row.link for row in context["designs"]] == [f"{n}.md" for n in sorted(EXAMPLES)]
    (family,) = context["comparisons"]  # b and the variants that extend it: c, d and h
    table = family.variants
    assert table.columns == ("Hub firewall", "Storage service endpoint", "Vault PE in spoke",
                             "Vault PE in hub")
    lines = dict(table.lines)
    assert [aspect for aspect, _ in table.lines][:3] == [
        "1&nbsp;`sqlvm01/AzureActiveDirectory`", "1&nbsp;`sqlvm01/AzureBackup`",
        "2&nbsp;`sqlvm01/Storage`"]
    assert lines["2&nbsp;`sqlvm01/Storage`"] == (
        "public via afw-hub", "service-endpoint", "private-endpoint pe-rsv-prod",
        "private-endpoint pe-rsv-prod across peering")
    assert lines["firewall crossings"][0] == "3 flows, 6,000 GB/month"
    assert lines["total per month"] == ("$1,128.50", "$912.50", "$979.80", "$1,099.80")
    assert lines["findings"] == ("none", "1 warning: FD005", "1 info: FD012", "1 info: FD012")
    assert family.volumes == ("Every option backs up the same data: sqlvm01, 200 GB a day "
                              "(6,000 GB a month).")
    assert [o.title for o in table.legend][:2] == [
        "[(b) SQL Server streaming backup through the hub firewall](b-sql-hub-firewall.md)",
        "[(c) SQL Server backup with a Storage service endpoint]"
        "(c-sql-storage-service-endpoint.md)"]


def test_each_finding_is_stated_once_on_its_page(example_site, resolved):
    for name, design in resolved.items():
        page = page_of(example_site, name)
        assert "\n!!! " not in page.split("## Findings", 1)[0]  # no admonition above them
        for finding in design.findings:
            accepted = "" if finding.counts else ", accepted"
            title = f"{finding.rule.title} ({finding.id}, {finding.severity}{accepted})"
            same_rule = sum(f.id == finding.id and f.counts == finding.counts
                            for f in design.findings)
            assert page.count(f'"{title}"') == same_rule, (name, finding.id)
            assert page.count(text(finding.message)) == 1, (name, finding.id)
        assert page.count("!!! danger") + page.count("!!! warning") + page.count(
            "!!! info") + page.count("!!! success") == len(design.findings), name


def test_findings_are_admonitions_by_severity_with_subject_place_and_rule(example_site):
    page = page_of(example_site, "g-misrouted-spokes")
    assert ('!!! danger "A flow is dropped (FD001, error)"\n'
            "    sqlvm-orphan: flows 1 AzureActiveDirectory, 1 AzureBackup, 2 Storage are "
            "dropped, the backup fails: ") in page
    assert ("    Subject `sqlvm-orphan`, at `designs/g-misrouted-spokes.yaml:44:25`. Rule: "
            "flowdocs docs, Routing rules: Following a flow; [learn.microsoft.com/azure/virtual-network/"
            "virtual-networks-udr-overview](https://learn.microsoft.com/azure/virtual-network/"
            "virtual-networks-udr-overview).\n") in page
    assert "Findings in this design: 2 errors. Each names its subject" in page
    assert "No findings: every flow arrives" in page_of(example_site, "b-sql-hub-firewall")


def test_every_page_prices_its_design_and_family_pages_compare_the_options(example_site):
    for name in EXAMPLES:
        page = page_of(example_site, name)
        assert '## Costs\n\n!!! note "List prices, not a quote"\n    Monthly costs in USD at ' \
               "the list prices of 2024: list prices, not a quote." in page
        family = name[0] in "bcdh"
        assert ("## Variants: options compared" in page) is family, name
    b = page_of(example_site, "b-sql-hub-firewall")
    assert "| total per month | $1,128.50 | $912.50 | $979.80 | $1,099.80 |" in b
    assert "- **Hub firewall**: (b) SQL Server streaming backup through the hub firewall " \
           "(this page), `b-sql-hub-firewall`" in b
    assert "| **total** | **$1,128.50** |" in b


def test_a_variant_page_names_the_base_it_extends(article_site):
    page = page_of(article_site, "c-sql-storage-service-endpoint")
    assert ("Source: `designs/c-sql-storage-service-endpoint.yaml`, which extends "
            "`designs/b-sql-hub-firewall.yaml`.") in page
    assert "from designs/c-sql-storage-service-endpoint.yaml, which extends " \
           "designs/b-sql-hub-firewall.yaml (sha256 " in page


@pytest.mark.parametrize(("raw", "escaped"), [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("{{ 7*7 }} {% if x %} {# c #}",
     r"&#123;&#123; 7\*7 &#125;&#125; &#123;% if x %&#125; &#123;# c #&#125;"),
    ("| a | b |", r"\| a \| b \|"),
    ("# not a heading", r"\# not a heading"),
    ("1. not a list", r"1\. not a list"),
    ("!!! danger", r"\!\!\! danger"),
    ("line one\n\n- line two", "line one - line two"),
    ("snet_sql a~b `x` [l](u)", r"snet\_sql a&#126;b \`x\` \[l\](u)"),
])
def test_text_reads_literally(raw, escaped):
    assert text(raw) == escaped


def test_inline_markdown_keeps_emphasis_code_and_safe_links_only():
    summary = ("Some *emphasis*, `code | {x}` and [a link](https://example.com/a).\n"
               "[bad](javascript:alert(1)) <b>html</b>\n\n# heading\n| a | b |")
    assert inline_markdown(summary) == (
        r"Some *emphasis*, code \| &#123;x&#125; and [a link](https://example.com/a). "
        r"\[bad\](javascript:alert(1)) &lt;b&gt;html&lt;/b&gt;"
        "\n\n"
        r"\# heading \| a \| b \|")


def test_code_spans_and_trusted_markdown():
    assert code("rt-spoke/default") == "`rt-spoke/default`"
    assert code("a`b") == r"a\`b"
    assert md("{a} and {b}", a=code("x"), b="<y>") == "`x` and &lt;y&gt;"
    assert isinstance(md("{a}", a="b"), Md)


def test_templates_fail_on_undefined_variables(tmp_path):
    (tmp_path / "design.md.j2").write_text("# {{ design.title }}\n\n{{ no_such_thing }}\n")
    options = SiteOptions(designs=(DESIGNS / "b-sql-hub-firewall.yaml",), templates=tmp_path,
                          base_dir=ROOT)
    with pytest.raises(TemplateProblem) as caught:
        prepare(options)
    assert str(caught.value).endswith("design.md.j2:3: error: 'no_such_thing' is undefined")


def test_user_templates_override_the_shipped_ones(tmp_path):
    (tmp_path / "index.md.j2").write_text("# Our designs\n\n{% for d in designs %}"
                                          "- {{ d.title }}\n{% endfor %}")
    options = SiteOptions(designs=(DESIGNS / "b-sql-hub-firewall.yaml",), templates=tmp_path,
                          base_dir=ROOT)
    site = prepare(options)
    assert site.pages[0].markdown == (
        "# Our designs\n\n- (b) SQL Server streaming backup through the hub firewall\n")
    assert site.pages[1].markdown.startswith("# (b) SQL Server streaming backup")


def test_template_syntax_error_names_file_and_line(tmp_path):
    (tmp_path / "index.md.j2").write_text("# Designs\n\n{% for d in designs %}\n")
    with pytest.raises(TemplateProblem, match=r"index\.md\.j2:3: error: Unexpected end"):
        prepare(SiteOptions(designs=(DESIGNS / "a-vm-backup.yaml",), templates=tmp_path))


def test_design_format_reference_covers_every_key_and_its_example_is_valid():
    page = render(environment(), "design-format.md.j2", format_context())
    for key in ("address_space", "next_hop_ip", "private_endpoint_network_policies",
                "service_endpoint_policies", "daily_gb", "advertises_default_route"):
        assert f"| `{key}` |" in page
    assert "| `sql-server-in-vm` | SQL Server in Azure VM (streaming backup) |" in page
    example = re.search(r"```yaml\n(.*?)```", page, re.DOTALL).group(1)
    loaded = load_design_bytes(example.encode(), "example.yaml")
    assert loaded.design.name == yaml.safe_load(example)["name"]


def test_golden_page_of_the_two_region_design(example_site, golden):
    golden.check("pages/i-two-region-backup.md", page_of(example_site, "i-two-region-backup"))


def test_the_two_region_page_names_regions_dns_and_global_peering(example_site):
    page = page_of(example_site, "i-two-region-backup")
    assert ("Regions: West Europe (`westeurope`): vnet-hub, vnet-spoke-sql; North Europe "
            "(`northeurope`): vnet-spoke-ne.") in page
    assert "Region: westeurope." not in page
    # A flow whose names resolve publicly says why, and the fix is DNS, not a new endpoint.
    assert ("It does not use the private endpoint pe-rsv-ne: the private DNS zones "
            "`privatelink.blob.core.windows.net` and `privatelink.queue.core.windows.net` do "
            "not answer for `vnet-spoke-ne`") in page
    assert "A private endpoint for rsv-ne" not in page
    assert "crosses the peering `vnet-spoke-ne~vnet-hub` (global, across regions)" in page
    assert "crosses the peering `vnet-spoke-sql~vnet-hub`," in page  # same region: not global
    # Assumptions follow the design: regions per target, DNS checked against declared zones.
    assert "The services are in the design's region" not in page
    assert "the privatelink zones are linked to the virtual networks" not in page


def test_a_one_region_page_keeps_its_region_line_and_states_how_dns_is_taken(example_site):
    declared = page_of(example_site, "d-sql-vault-private-endpoint")  # declares its zones
    assert "\nRegion: westeurope.\n" in declared and "Regions:" not in declared
    assert "The services are in the design's region (westeurope)" in declared
    assert "when a declared private DNS zone answers for it" in declared
    from scenes import base, resolve_scene

    from flowdocs.write.pages import assumptions

    design = base()  # a private endpoint, and no private DNS zone declared
    design["private_endpoints"] = [{"name": "pe-rsv", "subnet": "vnet-hub/snet-endpoints",
                                    "target": "rsv"}]
    assumed = "\n".join(assumptions(resolve_scene(design)))
    assert "the design declares no private DNS zone to check it against" in assumed
