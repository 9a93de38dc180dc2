"""Bad input never gives a traceback: mutated example designs either load, resolve, analyse
and draw, or fail with located DesignErrors. The mutations are seeded, so a failure repeats."""

from __future__ import annotations

import random

import pytest
from tests_support import EXAMPLES

from flowdocs.analyse.analysis import analyse
from flowdocs.load.diagnostics import DesignError
from flowdocs.load.loader import load_design_bytes
from flowdocs.render import dot_source
from flowdocs.resolve.flows import resolve

# Values that are valid somewhere in the format, so that many mutants still load and reach
# the resolver, plus a few that no design should hold.
TOKENS = ["10.0.1.4", "0.0.0.0/0", "VirtualAppliance", "None", "Internet", "VnetLocal",
          "VirtualNetworkGateway", "Storage", "AzureCloud", "Microsoft.Storage", "10.0.0.0/8",
          "Enabled", "RouteTableEnabled", "true", "[]", "{}", "-1", "~", "''", "*a", "&a x",
          "!!python/object:os.system", "10.0.2.10", "10.0.4.4", "vnet-hub"]
MUTANTS = 400


def mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(lines))
        choice = rng.random()
        if choice < 0.25:
            del lines[index]
        elif choice < 0.7 and ":" in lines[index]:
            key = lines[index].partition(":")[0]
            lines[index] = f"{key}: {rng.choice(TOKENS)}"
        elif choice < 0.85:
            lines.insert(index, lines[rng.randrange(len(lines))])
        else:
            lines[index] = lines[index][: rng.randrange(len(lines[index]) + 1)]
        if not lines:
            break
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_mutated_designs_never_raise_anything_but_design_errors(seed):
    rng = random.Random(seed)
    texts = [p.read_text() for p in EXAMPLES if "extends:" not in p.read_text()]
    outcomes = {"loaded": 0, "rejected": 0}
    for _ in range(MUTANTS):
        data = mutate(rng.choice(texts), rng).encode()
        try:
            loaded = load_design_bytes(data, "mutant.yaml")
        except DesignError as error:
            lines = error.lines()
            assert lines and all(line.startswith("mutant.yaml") for line in lines)
            outcomes["rejected"] += 1
            continue
        resolution = resolve(loaded.design)
        analyse(resolution)
        assert dot_source(resolution).startswith("digraph")
        outcomes["loaded"] += 1
    # Both sides are exercised: some mutants are rejected, some reach the resolver.
    assert outcomes["loaded"] > 0 and outcomes["rejected"] > 0, outcomes
