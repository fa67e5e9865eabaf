"""Commands that correct identity: curate (decisions that last) and dupes (what to look at)."""
from __future__ import annotations

import click

from kg.cli.common import cli, curation_option, format_option, open_store_for, store_option


@cli.command()
@click.argument("action", type=click.Choice(["merge", "split", "alias", "rename", "reject", "list", "undo"]))
@click.argument("names", nargs=-1)
@click.option("--type", "label", metavar="TYPE", help="Only nodes of this type (Organization, Person, …).")
@curation_option
@format_option()
@store_option
def curate(action, names, label, curation, fmt, store_uri):
    """Correct who is who, for good: merge, split, alias add|remove, rename, reject.

    Each decision is kept as one line of a plain-text file you can read,
    diff and version (see --curation), applied to the graph at once and
    again by every load.  A name is any name or alias of a node, in any
    case or width, or the node's key (Person:张伟@联影医疗).

    Example:

    \b
        kg curate merge 联影医疗 上海联影医疗科技股份有限公司
        kg curate split 联影医疗 联影
        kg curate alias add 阿斯利康 AZ
        kg curate rename 市科委 上海市科学技术委员会
        kg curate reject 本刊
        kg curate list
        kg curate undo

    Python: kg.api.curate(store, action, names), kg.api.undo(store)
    """
    from kg import api, output

    with open_store_for(store_uri) as store:
        if action == "list":
            output.write_rows([{"action": d.action, "type": d.label, "name": d.name, "other": d.other}
                               for d in api.decisions(store, curation)], fmt)
            return
        done = api.undo(store, curation) if action == "undo" else api.curate(store, action, list(names), label,
                                                                               curation)
    for line in output.curation_lines(done, undone=action == "undo"):
        click.echo(line)


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True, help="How many pairs.")
@format_option()
@store_option
def dupes(limit, fmt, store_uri):
    """Likely duplicate nodes, likeliest first: the reasons, and the command that merges them.

    Example:

    \b
        kg dupes --limit 20

    Python: kg.api.dupes(store, limit)
    """
    from kg import api, output

    with open_store_for(store_uri) as store:
        found = api.dupes(store, limit)
    output.write_rows([{"type": c.label, "score": c.score, "first": c.a_name, "second": c.b_name,
                        "reasons": "; ".join(c.reasons), "merge": c.command} for c in found], fmt)
